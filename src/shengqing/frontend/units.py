"""Unit and currency words read after numbers (data for :mod:`numpolicy`)."""

from __future__ import annotations

import re
from typing import Final

UNITS: Final[dict[str, str]] = {
    "km/h": "千米每小时", "m/s": "米每秒", "kg": "千克", "mg": "毫克", "g": "克", "km": "千米", "cm²": "平方厘米",
    "m²": "平方米", "km²": "平方千米", "m³": "立方米", "cm³": "立方厘米", "cm": "厘米", "mm": "毫米", "m": "米",
    "ml": "毫升", "mL": "毫升", "L": "升", "l": "升", "GB": "GB", "MB": "MB", "KB": "KB", "TB": "TB",
    "kWh": "千瓦时", "kW": "千瓦", "W": "瓦", "Hz": "赫兹", "GHz": "吉赫兹", "MHz": "兆赫兹", "kb": "kb",
    "h": "小时", "min": "分钟", "s": "秒", "ms": "毫秒", "nm": "纳米", "μm": "微米", "t": "吨", "mAh": "毫安时",
    "V": "伏", "A": "安", "dB": "分贝", "Pa": "帕", "kPa": "千帕", "cal": "卡", "kcal": "千卡",
}
UNIT_RE: Final = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))

CURRENCY: Final[dict[str, str]] = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑", "₩": "韩元",
                                   "HK$": "港元", "US$": "美元"}
