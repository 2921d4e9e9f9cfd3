"""Plain questions as people send them, in English, Cantonese, written Traditional Chinese and
Simplified Chinese, each with the request it should be read as. The sample's day is Wed 4 Jun
2025 (yesterday Tue 3 Jun, last Friday 30 May).

Each row: (question, what, target, day, period, side, language). `target` is a ticker or a
sector, None for none; `day` an ISO date or None; `side` "gainers" / "losers" or None.
"""

from __future__ import annotations

EN, HANT, HANS = "en", "zh-Hant", "zh-Hans"
TODAY, YESTERDAY, LAST_FRIDAY = "2025-06-04", "2025-06-03", "2025-05-30"
IT, PROPERTY = "Information Technology", "Properties & Construction"
CARS = "Consumer Discretionary"

Row = tuple[str, str, str | None, str | None, str | None, str | None, str]

ENGLISH: list[Row] = [
    ("how did xiaomi close today?", "close", "1810.HK", TODAY, None, None, EN),
    ("what did 9988 finish at", "close", "9988.HK", None, None, None, EN),
    ("biggest gainers", "movers", None, None, None, "gainers", EN),
    ("what happened to bank stocks", "sector", "Financials", None, None, None, EN),
    ("why did the index fall", "summary", None, None, None, None, EN),
    ("close 9988", "close", "9988.HK", None, None, None, EN),
    ("xiaomi 3 months", "close", "1810.HK", None, "3m", None, EN),
    ("how did xiaomi do on 3/6", "close", "1810.HK", YESTERDAY, None, None, EN),
    ("tencent yesterday", "close", "0700.HK", YESTERDAY, None, None, EN),
    ("how's the market", "close", "HSI", None, None, None, EN),
    ("top gainers", "movers", None, None, None, "gainers", EN),
    ("who were the biggest losers today", "movers", None, TODAY, None, "losers", EN),
    ("why did the market rise", "summary", None, None, None, None, EN),
    ("show me a chart of meituan over 6 months", "chart", "3690.HK", None, "6m", None, EN),
    ("hsbc last friday", "close", "0005.HK", LAST_FRIDAY, None, None, EN),
    ("how are tech stocks doing", "sector", IT, None, None, None, EN),
    ("property sector", "sector", PROPERTY, None, None, None, EN),
    ("what's the hang seng at", "close", "HSI", None, None, None, EN),
    ("alibaba 1 month", "close", "9988.HK", None, "1m", None, EN),
    ("tencent ytd", "close", "0700.HK", None, "ytd", None, EN),
    ("how did pop mart close on 2 june", "close", "9992.HK", "2025-06-02", None, None, EN),
    ("top movers", "movers", None, None, None, None, EN),
    ("what moved most today", "movers", None, TODAY, None, None, EN),
    ("market summary", "summary", None, None, None, None, EN),
    ("what's the story today", "summary", None, TODAY, None, None, EN),
    ("hang seng tech today", "close", "HSTECH", TODAY, None, None, EN),
    ("innovent 30d", "close", "1801.HK", None, "30d", None, EN),
    ("chart hsi 1y", "chart", "HSI", None, "1y", None, EN),
    ("how did healthcare stocks do yesterday", "sector", "Healthcare", YESTERDAY, None, None, EN),
    ("worst performers", "movers", None, None, None, "losers", EN),
    ("byd 2w", "close", "1211.HK", None, "2w", None, EN),
    ("price of hkex on June 3", "close", "0388.HK", YESTERDAY, None, None, EN),
    ("how did china mobile do this year", "close", "0941.HK", None, "ytd", None, EN),
    ("my watchlist", "watch", None, None, None, None, EN),
    ("sectors today", "sector", None, TODAY, None, None, EN),
    ("meituan 5y", "close", "3690.HK", None, "5y", None, EN),
    ("xiaomi 4/6/2025", "close", "1810.HK", TODAY, None, None, EN),
    ("AIA close yesterday", "close", "1299.HK", YESTERDAY, None, None, EN),
    ("what are the top 10 losers", "movers", None, None, None, "losers", EN),
    ("why did hang seng drop yesterday", "summary", None, YESTERDAY, None, None, EN),
    ("oil stocks", "sector", "Energy", None, None, None, EN),
]

CANTONESE: list[Row] = [
    ("小米今日收市幾多", "close", "1810.HK", TODAY, None, None, HANT),
    ("恒指收市點", "close", "HSI", None, None, None, HANT),
    ("升幅最大", "movers", None, None, None, "gainers", HANT),
    ("內銀股今日點", "sector", "Financials", TODAY, None, None, HANT),
    ("點解今日跌", "summary", None, TODAY, None, None, HANT),
    ("點解今日升", "summary", None, TODAY, None, None, HANT),
    ("大市點", "close", "HSI", None, None, None, HANT),
    ("騰訊尋日收幾多", "close", "0700.HK", YESTERDAY, None, None, HANT),
    ("阿里巴巴今日點呀", "close", "9988.HK", TODAY, None, None, HANT),
    ("匯豐上星期五收市價係幾多", "close", "0005.HK", LAST_FRIDAY, None, None, HANT),
    ("今日邊隻升得最多", "movers", None, TODAY, None, "gainers", HANT),
    ("今日邊隻跌得最多", "movers", None, TODAY, None, "losers", HANT),
    ("美團三個月升咗幾多", "close", "3690.HK", None, "3m", None, HANT),
    ("恒指今年升咗幾多", "close", "HSI", None, "ytd", None, HANT),
    ("科技股今日點", "sector", IT, TODAY, None, None, HANT),
    ("醫藥股點呀", "sector", "Healthcare", None, None, None, HANT),
    ("內房股點", "sector", PROPERTY, None, None, None, HANT),
    ("港交所6月3日收市", "close", "0388.HK", YESTERDAY, None, None, HANT),
    ("小米個圖", "chart", "1810.HK", None, None, None, HANT),
    ("比亞迪一個月走勢", "chart", "1211.HK", None, "1m", None, HANT),
    ("大市點解升咗", "summary", None, None, None, None, HANT),
    ("今日大市咩事", "summary", None, TODAY, None, None, HANT),
    ("泡泡瑪特今日收幾錢", "close", "9992.HK", TODAY, None, None, HANT),
    ("汽車股今日點", "sector", CARS, TODAY, None, None, HANT),
    ("恒生科技指數收市點", "close", "HSTECH", None, None, None, HANT),
    ("友邦琴日收咗幾多", "close", "1299.HK", YESTERDAY, None, None, HANT),
    ("中移動今日點", "close", "0941.HK", TODAY, None, None, HANT),
    ("恒指尋日跌咗幾多點", "close", "HSI", YESTERDAY, None, None, HANT),
]

TRADITIONAL: list[Row] = [
    ("小米今日收市價", "close", "1810.HK", TODAY, None, None, HANT),
    ("恒生指數今日表現如何", "close", "HSI", TODAY, None, None, HANT),
    ("今日升幅榜", "movers", None, TODAY, None, "gainers", HANT),
    ("今日跌幅榜", "movers", None, TODAY, None, "losers", HANT),
    ("跌幅最大", "movers", None, None, None, "losers", HANT),
    ("騰訊控股昨日收市價", "close", "0700.HK", YESTERDAY, None, None, HANT),
    ("為什麼今日大市下跌", "summary", None, TODAY, None, None, HANT),
    ("銀行股表現", "sector", "Financials", None, None, None, HANT),
    ("地產股今日表現", "sector", PROPERTY, TODAY, None, None, HANT),
    ("中國移動年初至今表現", "close", "0941.HK", None, "ytd", None, HANT),
    ("美團近三個月走勢圖", "chart", "3690.HK", None, "3m", None, HANT),
    ("匯豐控股2025年6月3日收市價", "close", "0005.HK", YESTERDAY, None, None, HANT),
    ("市況總結", "summary", None, None, None, None, HANT),
    ("今日漲幅最大的股票", "movers", None, TODAY, None, "gainers", HANT),
    ("信達生物今年表現", "close", "1801.HK", None, "ytd", None, HANT),
    ("恒指上週五收市", "close", "HSI", LAST_FRIDAY, None, None, HANT),
    ("網易今日收市價是多少", "close", "9999.HK", TODAY, None, None, HANT),
    ("能源股表現如何", "sector", "Energy", None, None, None, HANT),
    ("港股今日為何上升", "summary", None, TODAY, None, None, HANT),
    ("京東一年表現", "close", "9618.HK", None, "1y", None, HANT),
    ("新鴻基地產6月2日收市價", "close", "0016.HK", "2025-06-02", None, None, HANT),
    ("中國平安過去30日表現", "close", "2318.HK", None, "30d", None, HANT),
]

SIMPLIFIED: list[Row] = [
    ("小米今天收盘", "close", "1810.HK", TODAY, None, None, HANS),
    ("恒指今天收盘多少", "close", "HSI", TODAY, None, None, HANS),
    ("涨幅榜", "movers", None, None, None, "gainers", HANS),
    # Written the same in both scripts: read as Traditional, as Hong Kong writes.
    ("跌幅最大的股票", "movers", None, None, None, "losers", HANT),
    ("腾讯昨天收盘价", "close", "0700.HK", YESTERDAY, None, None, HANS),
    ("阿里巴巴今天怎么样", "close", "9988.HK", TODAY, None, None, HANS),
    ("为什么今天大盘跌了", "summary", None, TODAY, None, None, HANS),
    ("大盘怎么样", "close", "HSI", None, None, None, HANS),
    ("今天哪个板块最好", "sector", None, TODAY, None, None, HANS),
    ("今天港股为什么涨", "summary", None, TODAY, None, None, HANS),
    ("银行股今天表现", "sector", "Financials", TODAY, None, None, HANS),
    ("科技股怎么样", "sector", IT, None, None, None, HANS),
    ("医药股今天涨了吗", "sector", "Healthcare", TODAY, None, None, HANS),
    ("美团三个月走势图", "chart", "3690.HK", None, "3m", None, HANS),
    ("比亚迪今年以来表现", "close", "1211.HK", None, "ytd", None, HANS),
    ("汇丰上周五收盘价", "close", "0005.HK", LAST_FRIDAY, None, None, HANS),
    ("港交所6月3日收盘价", "close", "0388.HK", YESTERDAY, None, None, HANS),
    ("今天涨得最多的是哪只", "movers", None, TODAY, None, "gainers", HANS),
    ("恒生科技指数今天怎么样", "close", "HSTECH", TODAY, None, None, HANS),
    ("泡泡玛特一个月涨了多少", "close", "9992.HK", None, "1m", None, HANS),
    ("房地产股今天怎么样", "sector", PROPERTY, TODAY, None, None, HANS),
    ("今天市场总结", "summary", None, TODAY, None, None, HANS),
    ("中国平安前天收盘价", "close", "2318.HK", "2025-06-02", None, None, HANS),
    ("网易两周走势", "chart", "9999.HK", None, "2w", None, HANS),
]

LABELLED: list[Row] = ENGLISH + CANTONESE + TRADITIONAL + SIMPLIFIED

# Written after the parser's rules were settled on the rows above, and kept apart: how well
# the rules carry over to questions they were not written against.
HELD_OUT: list[Row] = [
    ("hey, how did tencent do today", "close", "0700.HK", TODAY, None, None, EN),
    ("meituan price yesterday", "close", "3690.HK", YESTERDAY, None, None, EN),
    ("what were the top gainers yesterday", "movers", None, YESTERDAY, None, "gainers", EN),
    ("banks today", "sector", "Financials", TODAY, None, None, EN),
    ("why is the market up today", "summary", None, TODAY, None, None, EN),
    ("chart of byd 3m", "chart", "1211.HK", None, "3m", None, EN),
    ("hang seng index 1 week", "close", "HSI", None, "1w", None, EN),
    ("did xiaomi go up on 30 may", "close", "1810.HK", LAST_FRIDAY, None, None, EN),
    ("show all sectors", "sector", None, None, None, None, EN),
    ("pop mart over the past year", "close", "9992.HK", None, "1y", None, EN),
    ("騰訊今日升定跌", "close", "0700.HK", TODAY, None, None, HANT),
    ("今日咩股升得最勁", "movers", None, TODAY, None, "gainers", HANT),
    ("科網股尋日點", "sector", IT, YESTERDAY, None, None, HANT),
    ("恒指點解跌咗咁多", "summary", None, None, None, None, HANT),
    ("美團幾錢", "close", "3690.HK", None, None, None, HANT),
    ("比亞迪股份今日收市價", "close", "1211.HK", TODAY, None, None, HANT),
    ("今日表現最差的股票", "movers", None, TODAY, None, "losers", HANT),
    ("保險股表現如何", "sector", "Financials", None, None, None, HANT),
    ("恒生指數一個月走勢圖", "chart", "HSI", None, "1m", None, HANT),
    ("小米昨天涨了多少", "close", "1810.HK", YESTERDAY, None, None, HANS),
    ("今天跌幅榜", "movers", None, TODAY, None, "losers", HANS),
    ("汇丰控股今年以来涨幅", "close", "0005.HK", None, "ytd", None, HANS),
    ("为什么恒指今天下跌", "summary", None, TODAY, None, None, HANS),
    ("新能源车股怎么样", "sector", CARS, None, None, None, HANS),
    ("腾讯一周走势", "chart", "0700.HK", None, "1w", None, HANS),
]
