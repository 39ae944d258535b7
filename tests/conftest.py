"""Suite-wide settings: hypothesis profiles (CI runs more examples, deterministically)."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=400, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=150, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
