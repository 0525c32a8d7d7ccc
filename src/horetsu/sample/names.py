"""Japanese names (kanji, kana, romaji) and prefectures, with sampling weights.

Family-name weights are rounded, approximate bearer counts (tens of thousands) from
public surname rankings; prefecture weights are the 2020 national census
populations (国勢調査, thousands, rounded).  Both only need to look plausible.
"""

from __future__ import annotations

import numpy as np

# (kanji, kana, romaji, weight)
FAMILY: tuple[tuple[str, str, str, int], ...] = (
    ("佐藤", "サトウ", "sato", 187), ("鈴木", "スズキ", "suzuki", 180),
    ("高橋", "タカハシ", "takahashi", 137), ("髙橋", "タカハシ", "takahashi", 5),
    ("田中", "タナカ", "tanaka", 134), ("伊藤", "イトウ", "ito", 108),
    ("渡辺", "ワタナベ", "watanabe", 105), ("渡邊", "ワタナベ", "watanabe", 3),
    ("山本", "ヤマモト", "yamamoto", 108), ("中村", "ナカムラ", "nakamura", 105),
    ("小林", "コバヤシ", "kobayashi", 104), ("加藤", "カトウ", "kato", 89),
    ("吉田", "ヨシダ", "yoshida", 84), ("山田", "ヤマダ", "yamada", 82),
    ("佐々木", "ササキ", "sasaki", 68), ("山口", "ヤマグチ", "yamaguchi", 64),
    ("松本", "マツモト", "matsumoto", 63), ("井上", "イノウエ", "inoue", 62),
    ("木村", "キムラ", "kimura", 58), ("林", "ハヤシ", "hayashi", 55),
    ("斎藤", "サイトウ", "saito", 50), ("齋藤", "サイトウ", "saito", 5),
    ("清水", "シミズ", "shimizu", 54), ("山崎", "ヤマザキ", "yamazaki", 47),
    ("山﨑", "ヤマザキ", "yamazaki", 2), ("森", "モリ", "mori", 46),
    ("池田", "イケダ", "ikeda", 44), ("橋本", "ハシモト", "hashimoto", 44),
    ("阿部", "アベ", "abe", 44), ("石川", "イシカワ", "ishikawa", 43),
    ("山下", "ヤマシタ", "yamashita", 42), ("中島", "ナカジマ", "nakajima", 41),
    ("石井", "イシイ", "ishii", 41), ("小川", "オガワ", "ogawa", 40),
    ("前田", "マエダ", "maeda", 40), ("岡田", "オカダ", "okada", 40),
    ("長谷川", "ハセガワ", "hasegawa", 40), ("藤田", "フジタ", "fujita", 38),
    ("後藤", "ゴトウ", "goto", 38), ("近藤", "コンドウ", "kondo", 38),
)

# Female-heavy, as for a health-food and cosmetics shop: (kanji, kana, romaji, weight)
GIVEN: tuple[tuple[str, str, str, int], ...] = (
    ("陽子", "ヨウコ", "yoko", 6), ("恵子", "ケイコ", "keiko", 6), ("京子", "キョウコ", "kyoko", 5),
    ("幸子", "サチコ", "sachiko", 5), ("和子", "カズコ", "kazuko", 5), ("久美子", "クミコ", "kumiko", 5),
    ("由美子", "ユミコ", "yumiko", 5), ("真由美", "マユミ", "mayumi", 5), ("智子", "トモコ", "tomoko", 5),
    ("美穂", "ミホ", "miho", 4), ("直美", "ナオミ", "naomi", 4), ("裕子", "ユウコ", "yuko", 5),
    ("明美", "アケミ", "akemi", 4), ("恵美", "エミ", "emi", 4), ("愛", "アイ", "ai", 3),
    ("彩", "アヤ", "aya", 3), ("美咲", "ミサキ", "misaki", 3), ("さくら", "サクラ", "sakura", 2),
    ("陽菜", "ヒナ", "hina", 2), ("結衣", "ユイ", "yui", 2), ("麻衣", "マイ", "mai", 3),
    ("千尋", "チヒロ", "chihiro", 3), ("綾香", "アヤカ", "ayaka", 3), ("香織", "カオリ", "kaori", 4),
    ("浩", "ヒロシ", "hiroshi", 3), ("誠", "マコト", "makoto", 3), ("健一", "ケンイチ", "kenichi", 3),
    ("隆", "タカシ", "takashi", 3), ("大輔", "ダイスケ", "daisuke", 2), ("翔太", "ショウタ", "shota", 2),
    ("拓也", "タクヤ", "takuya", 2), ("健太", "ケンタ", "kenta", 2), ("茂", "シゲル", "shigeru", 2),
)

# (prefecture, population in thousands, 2020 census)
PREFECTURES: tuple[tuple[str, int], ...] = (
    ("北海道", 5225), ("青森県", 1238), ("岩手県", 1211), ("宮城県", 2302), ("秋田県", 960),
    ("山形県", 1068), ("福島県", 1833), ("茨城県", 2867), ("栃木県", 1933), ("群馬県", 1939),
    ("埼玉県", 7345), ("千葉県", 6284), ("東京都", 14048), ("神奈川県", 9237), ("新潟県", 2201),
    ("富山県", 1035), ("石川県", 1133), ("福井県", 767), ("山梨県", 810), ("長野県", 2048),
    ("岐阜県", 1979), ("静岡県", 3633), ("愛知県", 7542), ("三重県", 1770), ("滋賀県", 1414),
    ("京都府", 2578), ("大阪府", 8838), ("兵庫県", 5465), ("奈良県", 1324), ("和歌山県", 923),
    ("鳥取県", 553), ("島根県", 671), ("岡山県", 1888), ("広島県", 2800), ("山口県", 1342),
    ("徳島県", 720), ("香川県", 950), ("愛媛県", 1335), ("高知県", 692), ("福岡県", 5135),
    ("佐賀県", 811), ("長崎県", 1312), ("熊本県", 1738), ("大分県", 1124), ("宮崎県", 1070),
    ("鹿児島県", 1588), ("沖縄県", 1467),
)


def _weights(rows: tuple) -> np.ndarray:
    w = np.array([row[-1] for row in rows], dtype=float)
    return w / w.sum()


def family_weights() -> np.ndarray:
    return _weights(FAMILY)


def given_weights() -> np.ndarray:
    return _weights(GIVEN)


def prefecture_weights() -> np.ndarray:
    return _weights(PREFECTURES)
