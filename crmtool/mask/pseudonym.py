"""Keyed pseudonyms: HMAC-SHA256 over the kind and the normalised value, drawn into a given alphabet.

The same (key, kind, value) always gives the same characters, so joins and dedupe keep working on a
masked copy; without the key the original cannot be recovered or confirmed by guessing.
"""

from __future__ import annotations

import hashlib
import hmac

DIGITS = "0123456789"
HEX = "0123456789abcdef"
GIVEN_NAME_CHARS = ("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红健鹏飞宇浩凯文辉峰建国"
                    "林波宁晨阳欣怡婷雪梅琳丹颖晶慧倩佳嘉俊博轩子涵雨萱思琪梓豪瑞泽宏志新海春生")


def draw(key: bytes, kind: str, value: str, alphabet: str, length: int, salt: str = "") -> str:
    """`length` characters of `alphabet`, determined by HMAC(key, kind, value)."""
    chars, counter = [], 0
    while len(chars) < length:
        digest = hmac.new(key, f"{kind}\0{salt}\0{counter}\0{value}".encode("utf-8", "surrogatepass"),
                          hashlib.sha256).digest()
        chars.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return "".join(chars[:length])
