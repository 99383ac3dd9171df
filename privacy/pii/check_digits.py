"""Check digits of Japan's individual number (マイナンバー) and corporate number (法人番号)."""

from __future__ import annotations


def my_number_check_digit(first11: str) -> int:
    """Check digit for the first 11 digits of a マイナンバー (番号法施行令第8条)."""
    if len(first11) != 11 or not first11.isdigit():
        raise ValueError("expected 11 digits")
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first11, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(digits: str) -> bool:
    """True for a 12-digit string whose last digit is the マイナンバー check digit."""
    return (len(digits) == 12 and digits.isdigit()
            and my_number_check_digit(digits[:11]) == int(digits[11]))


def corporate_number_check_digit(base12: str) -> int:
    """Leading check digit of a 13-digit 法人番号, from its 12 base digits."""
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("expected 12 digits")
    # Weights 1,2,1,2,... applied from the right-most base digit.
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base12)))
    return 9 - (total % 9)


def is_valid_corporate_number(digits: str) -> bool:
    """True for a 13-digit 法人番号 with a valid leading check digit (not personal data)."""
    return (len(digits) == 13 and digits.isdigit()
            and corporate_number_check_digit(digits[1:]) == int(digits[0]))
