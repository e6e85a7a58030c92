"""Exposure, gain, white balance and focus of an OpenCV (V4L2) camera, as camera options.

For sync the exposure matters most: a V4L2 buffer time marks one fixed point of the frame
(uvcvideo: when its first USB payload arrived), so the exposure's midpoint keeps a fixed
offset from the stamp only while the exposure time is fixed. Auto exposure changes the
exposure time with the light and moves the midpoint with it (and UVC's exposure priority may
lower the frame rate). None leaves a control as the device has it. A running client sets
them again when their live parameters change (OpenCvCamera.apply_controls).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2

from compound_eyes.camera.options import check_positive, check_types

# V4L2's V4L2_CID_EXPOSURE_AUTO menu as OpenCV's V4L2 backend passes it through.
_EXPOSURE_MANUAL, _EXPOSURE_APERTURE_PRIORITY = 1, 3
_V4L2_EXPOSURE_UNIT_US = 100      # V4L2_CID_EXPOSURE_ABSOLUTE counts 100 us


@dataclass(frozen=True)
class CameraControls:
    """The image controls a client YAML may set; exposure_us implies manual exposure."""

    auto_exposure: bool | None = None
    exposure_us: float | None = None
    gain: float | None = None
    auto_white_balance: bool | None = None
    white_balance_k: int | None = None
    autofocus: bool | None = None
    focus: float | None = None

    def __post_init__(self) -> None:
        """Check every field, naming the one that is wrong."""
        check_types('opencv', self)
        check_positive('opencv', self, 'exposure_us', 'white_balance_k')
        check_positive('opencv', self, 'gain', 'focus', allow_zero=True)
        for manual, auto in (('exposure_us', 'auto_exposure'),
                             ('white_balance_k', 'auto_white_balance'), ('focus', 'autofocus')):
            if getattr(self, manual) is not None and getattr(self, auto):
                raise ValueError(f'opencv {manual}: a fixed value needs {auto} false or unset')

    def properties(self) -> list[tuple[str, int, float]]:
        """Return (option, cv2 property, value) to set, the auto switches before the values."""
        auto_exposure = False if self.exposure_us is not None else self.auto_exposure
        wanted = [
            ('auto_exposure', cv2.CAP_PROP_AUTO_EXPOSURE, None if auto_exposure is None else
             (_EXPOSURE_APERTURE_PRIORITY if auto_exposure else _EXPOSURE_MANUAL)),
            ('exposure_us', cv2.CAP_PROP_EXPOSURE, None if self.exposure_us is None else
             self.exposure_us / _V4L2_EXPOSURE_UNIT_US),
            ('gain', cv2.CAP_PROP_GAIN, self.gain),
            ('auto_white_balance', cv2.CAP_PROP_AUTO_WB, _switch(
                False if self.white_balance_k is not None else self.auto_white_balance)),
            ('white_balance_k', cv2.CAP_PROP_WB_TEMPERATURE, self.white_balance_k),
            ('autofocus', cv2.CAP_PROP_AUTOFOCUS, _switch(
                False if self.focus is not None else self.autofocus)),
            ('focus', cv2.CAP_PROP_FOCUS, self.focus),
        ]
        return [(name, prop, float(value)) for name, prop, value in wanted if value is not None]

    def apply(self, capture: cv2.VideoCapture) -> list[str]:
        """Set the controls on an open capture; return the options its backend refused."""
        return [name for name, prop, value in self.properties() if not capture.set(prop, value)]


def _switch(value: bool | None) -> int | None:
    return None if value is None else int(value)
