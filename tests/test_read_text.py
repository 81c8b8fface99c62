"""Legacy text exports: the encoding cascade, delimiters, quoted newlines, record numbers."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from crmtool.read import read_table
from crmtool.read.text import canonical_encoding, decode, sniff_delimiter

ROWS = [
    ["客户编码", "客户名称", "地址", "电话"],
    ["00017", "龑䶮科技有限公司", "北京市海淀区中关村大街1号", "010-62551234"],
    ["00018", "𠀀字号贸易公司", "上海市浦东新区, 世纪大道100号", "13900139000"],
]


def _csv(rows, delimiter=","):
    import csv
    import io

    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def test_gb18030_only_characters_are_kept(tmp_path):
    data = _csv(ROWS).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    path = tmp_path / "erp.csv"
    path.write_bytes(data)
    result = read_table(path)
    assert result.info["encoding"] == "gb18030"
    assert result.table["客户名称"].tolist() == ["龑䶮科技有限公司", "𠀀字号贸易公司"]
    assert result.table["客户编码"].tolist() == ["00017", "00018"]
    assert result.table["地址"].iloc[1] == "上海市浦东新区, 世纪大道100号"
    assert not len(result.issues), "a strict GB18030 decode is not a guess"


def test_utf16_unicode_text_export(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + _csv(ROWS, "\t").encode("utf-16-le"))
    result = read_table(path)
    assert result.info["encoding"] == "utf-16-le" and result.info["delimiter"] == "\t"
    assert result.table["电话"].tolist() == ["010-62551234", "13900139000"]
    assert result.table["_row_id"].tolist() == ["export.txt#2", "export.txt#3"]


def test_utf16_without_bom_is_found_with_a_warning(tmp_path):
    path = tmp_path / "nobom.tsv"
    path.write_bytes(_csv(ROWS, "\t").encode("utf-16-le"))
    result = read_table(path)
    assert result.table["客户名称"].iloc[0] == "龑䶮科技有限公司"
    assert "read.encoding_guessed" in set(result.issues["rule"])


def test_utf8_bom_and_semicolon_and_pipe(tmp_path):
    for delimiter in (";", "|"):
        path = tmp_path / f"x{ord(delimiter)}.csv"
        path.write_bytes(codecs.BOM_UTF8 + _csv(ROWS, delimiter).encode("utf-8"))
        result = read_table(path)
        assert result.info["delimiter"] == delimiter
        assert result.info["encoding"] == "utf-8"
        assert result.info["columns"] == ROWS[0]


def test_quoted_newlines_stay_in_the_cell_and_rows_count_records(tmp_path):
    rows = [["名称", "备注"], ["甲", "第一行\n第二行"], ["乙", "x"]]
    path = tmp_path / "notes.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    table = read_table(path).table
    assert table["备注"].tolist() == ["第一行\n第二行", "x"]
    assert table["_row"].tolist() == [2, 3], "the record number, which is the row Excel shows"


def test_encoding_override_and_gbk_is_widened(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(_csv(ROWS).encode("gb18030"))
    assert read_table(path, encoding="GBK").info["encoding"] == "gb18030"
    assert canonical_encoding("cp936") == "gb18030" and canonical_encoding("GB2312") == "gb18030"
    with pytest.raises(ValueError):
        canonical_encoding("no-such-codec")


def test_detector_guess_is_a_warning(tmp_path):
    text = _csv([["名稱", "地址"], ["華信科技股份有限公司", "臺北市信義區"], ["遠東國際", "高雄市"]] * 20)
    path = tmp_path / "big5.csv"
    path.write_bytes(text.encode("big5"))
    result = read_table(path)
    assert result.table["名稱"].iloc[0] == "華信科技股份有限公司"
    assert "read.encoding_guessed" in set(result.issues["rule"])


def test_ragged_records_are_reported(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("名称,城市\n甲,北京\n乙,上海,多余\n丙\n", encoding="utf-8")
    result = read_table(path)
    assert result.info["columns"] == ["名称", "城市", "column_C"]
    ragged = result.issues[result.issues["rule"] == "read.field_count"]
    assert ragged["_row"].tolist() == [3, 4]


def test_decode_partial_prefix_tolerates_a_cut_character():
    data = "龑䶮".encode("gb18030")
    text, codec, guessed = decode(data[:-1], partial=True)
    assert text.startswith("龑") and codec == "gb18030" and not guessed


@pytest.mark.parametrize(
    "text,suffix,expected",
    [
        ('a,b\n"1|2",3\n"4|5",6\n', ".csv", ","),
        ("a\tb\n1,5\t2\n3,5\t4\n", ".txt", "\t"),
        ("a;b;c\n1;2;3\n", ".csv", ";"),
    ],
)
def test_sniff_delimiter(text, suffix, expected):
    assert sniff_delimiter(text, suffix) == expected


def test_csv_output_round_trips_with_bom(tmp_path, cli):
    source = tmp_path / "erp.csv"
    source.write_bytes(_csv(ROWS).encode("gb18030"))
    out = tmp_path / "out.csv"
    result = cli("read", source, "--out", out)
    assert result.code == 0, result.stderr
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    back = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert back["客户编码"].tolist() == ["00017", "00018"]
    assert back["客户名称"].tolist() == ["龑䶮科技有限公司", "𠀀字号贸易公司"]


def test_total_rows_with_full_width_spaces_and_colons(tmp_path):
    path = tmp_path / "totals.csv"
    path.write_text("名称,金额\n甲,1\n合\u3000计,1\n乙,2\n总计：,3\n Total ,3\n", encoding="utf-8")
    result = read_table(path)
    assert result.table["名称"].tolist() == ["甲", "乙"]
    assert result.issues.query("rule == 'read.total_row'")["_row"].tolist() == [3, 5, 6]
