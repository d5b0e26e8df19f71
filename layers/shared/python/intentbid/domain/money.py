"""Money is an integer in minor units plus an ISO 4217 currency, as Stripe does."""

from __future__ import annotations

# Currencies we accept, with their minor-unit exponent (ISO 4217).
CURRENCIES: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "JPY": 0,
    "KRW": 0,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "SGD": 2,
    "NZD": 2,
}

# Largest amount we store (minor units): keeps totals inside DynamoDB's number and JS's safe integer.
MAX_AMOUNT = 10**13


def is_currency(code: str) -> bool:
    return code in CURRENCIES


def major(amount: int, currency: str) -> str:
    """``amount`` minor units as the major-unit amount people read: ``major(2250, "USD") == "22.50 USD"``."""
    places = CURRENCIES.get(currency, 2)
    if places == 0:
        return f"{amount} {currency}"
    whole, frac = divmod(abs(amount), 10**places)
    return f"{'-' if amount < 0 else ''}{whole}.{frac:0{places}d} {currency}"


def minor_units(currency: str) -> str:
    """How a message names the unit of a money field: the currency's minor unit (none for e.g. JPY)."""
    return (
        f"{currency} minor units" if CURRENCIES.get(currency, 2) else f"whole {currency} ({currency} has no minor unit)"
    )
