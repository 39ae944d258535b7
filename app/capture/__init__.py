"""Image acquisition: document camera (Qt Multimedia, only in :mod:`app.capture.camera`),
watched folder (:mod:`app.capture.folder`), files and drag-and-drop (:mod:`app.capture.files`),
and batch capture (:mod:`app.capture.batch`). Everything but the camera adapter is Qt-free."""
