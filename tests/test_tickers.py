import pytest

from store.tickers import canonical_ticker, stock_code


@pytest.mark.parametrize(
    "typed", ["1801", "01801", "1801.HK", "1801.hk", "HK:1801", "hk1801", "$1801", " 1801 HK "]
)
def test_every_common_form_of_a_stock_code_becomes_the_canonical_ticker(typed):
    assert canonical_ticker(typed) == "1801.HK"


def test_short_codes_are_padded_to_four_digits():
    assert stock_code("5") == "0005.HK"
    assert stock_code("00700") == "0700.HK"


def test_index_codes_are_upper_cased_and_lose_the_caret():
    assert canonical_ticker("hsi") == "HSI"
    assert canonical_ticker("^HSI") == "HSI"


@pytest.mark.parametrize("typed", ["", "0", "innovent biologics", "18o1", "123456"])
def test_text_that_is_not_a_code_is_not_a_ticker(typed):
    assert stock_code(typed) is None
