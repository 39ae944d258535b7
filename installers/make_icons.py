"""Draw the application icon at the usual sizes (run once; the PNGs and the .ico are committed).

    .venv/bin/python installers/make_icons.py
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED, GOLD = (176, 24, 36, 255), (250, 214, 120, 255)


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    painter = ImageDraw.Draw(image)
    painter.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 6, fill=RED)
    inset = big // 14
    painter.rounded_rectangle((inset, inset, big - 1 - inset, big - 1 - inset), radius=big // 8,
                              outline=GOLD, width=max(1, big // 40))
    font = ImageFont.truetype(FONT, int(big * 0.62), index=2)  # index 2 = Noto Sans CJK SC
    painter.text((big / 2, big / 2), "金", font=font, fill=GOLD, anchor="mm")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    base = ROOT / "resources" / "icons"
    images = {}
    for size in SIZES:
        images[size] = draw(size)
        target = base / "hicolor" / f"{size}x{size}" / "apps" / "jincai-desk.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        images[size].save(target, optimize=True)
    images[256].save(base / "jincai-desk.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    print("icons written to", base)


if __name__ == "__main__":
    main()
