"""English for the free-text parameters the file layer puts into findings (reason, limit, actual, maximum).

The reader builds these phrases in Chinese where it knows the details; ``--lang en`` renders them through
this table.  A phrase without an entry stays as it is (still correct, just Chinese).
"""

from __future__ import annotations

import re

_G = r"(.+?)"
_TABLE: list[tuple[str, str]] = [
    # reasons
    ("CSV 格式错误（引号不成对或含有无法识别的字符）", "malformed CSV (unbalanced quotes or unreadable characters)"),
    ("不是 Excel 工作簿（缺少 xl/workbook.xml）", "not an Excel workbook (no xl/workbook.xml)"),
    ("不是 OpenDocument 表格（缺少 content.xml）", "not an OpenDocument spreadsheet (no content.xml)"),
    ("压缩包中没有工作表（不是 .xlsx 或 .ods 文件）", "the zip package holds no worksheet (not an .xlsx or .ods file)"),
    ("工作簿中没有任何目录内容（所有工作表都是空的或说明页）", "the workbook holds no catalogue (every sheet is empty or instructions)"),
    ("文件不存在", "the file does not exist"),
    ("文件已损坏（压缩结构不完整，可能未传完）", "the file is damaged (incomplete zip structure; perhaps not fully transferred)"),
    ("文件是空的（0 字节）", "the file is empty (0 bytes)"),
    ("文件过大，内存不足", "the file is too large for the available memory"),
    ("旧版 Excel 文件（.xls）已损坏，复合文档结构无法读取", "the legacy Excel (.xls) file is damaged: its compound-document structure cannot be read"),
    ("表格解析程序没有返回完整结果", "the spreadsheet parser returned no complete result"),
    ("这不是文本表格（含大量二进制内容）", "this is not a text table (it holds binary content)"),
    ("文件看起来是 UTF-16 文本，但其中有无法解码的内容", "the file looks like UTF-16 text but holds undecodable content"),
    ("这不是电子表格文件（可能是 PDF、图片或 Word 文档）", "this is not a spreadsheet (perhaps a PDF, an image or a Word document)"),
    ("这是“XML 电子表格 2003”格式", "this is the 'XML Spreadsheet 2003' format"),
    ("这是一个文件夹，不是文件", "this is a folder, not a file"),
    ("这是旧版 Office 文件，但不是 Excel 工作簿（可能是 .doc 或 .ppt）", "a legacy Office file, but not an Excel workbook (perhaps .doc or .ppt)"),
    ("这是网页（HTML）文件，只是扩展名像电子表格（常见于系统“导出 Excel”）", "a web page (HTML) with a spreadsheet extension (common with 'export to Excel')"),
    (f"XML 无法解析（{_G}）", r"XML cannot be parsed (\1)"),
    (f"content.xml 无法解析（第 {_G} 行）", r"content.xml cannot be parsed (line \1)"),
    (f"压缩包中有两个同名部件「{_G}」（文件被篡改或损坏）", r"two package parts are both named '\1' (tampered or damaged)"),
    (f"工作表「{_G}」无法解析（{_G}）", r"sheet '\1' cannot be parsed (\2)"),
    (f"工作簿无法解析（{_G}）", r"the workbook cannot be parsed (\1)"),
    (f"扩展名是 {_G}，但内容不是 Excel/WPS 工作簿（文件已损坏或被改了扩展名）", r"the extension is \1 but the content is not an Excel/WPS workbook (damaged or renamed)"),
    (f"文件已损坏（{_G}）", r"the file is damaged (\1)"),
    (f"无法打开文件（{_G}）", r"the file cannot be opened (\1)"),
    (f"部件「{_G}」不完整（文件可能未传完）", r"part '\1' is incomplete (perhaps not fully transferred)"),
    (f"部件「{_G}」使用了办公软件不会使用的压缩方式", r"part '\1' uses a compression method office software never writes"),
    (f"部件「{_G}」已损坏（大小或校验和与压缩包头不符）", r"part '\1' is damaged (size or checksum differs from its header)"),
    (f"部件「{_G}」的压缩数据已损坏", r"the compressed data of part '\1' is damaged"),
    (f"部件「{_G}」解压后比压缩包头声明的大", r"part '\1' inflates beyond the size its header declares"),
    (f"部件「{_G}」不是 UTF-8 编码的 XML（办公软件不会这样保存），已拒绝", r"part '\1' is not UTF-8 XML (office software never saves that); refused"),
    (f"部件「{_G}」含有 DTD/实体声明（可能是 XML 炸弹或外部实体攻击），已拒绝", r"part '\1' declares a DTD/entities (an XML bomb or external-entity attack); refused"),
    (f"部件「{_G}」声明了 {_G} 编码", r"part '\1' declares the \2 encoding"),
    (f"表格解析程序读取此文件时异常终止（信号 {_G}），文件结构异常，或读取所需内存超过 {_G} MB 的上限",
     r"the spreadsheet parser died reading this file (signal \1): the file is malformed or needs more than the \2 MB memory limit"),
    # link problems (validators/rules/links.py)
    ("含空白或控制字符", "it contains spaces or control characters"),
    ("格式错误", "it is malformed"),
    (f"不是 http/https 链接（{_G}）", r"not an http/https link (\1)"),
    ("无协议", "no scheme"),
    ("缺少网站地址", "no host"),
    ("网站地址无效", "the host is not valid"),
    ("端口无效", "the port is not valid"),
    ("不是网址，也没有设置超链接", "not an address, and the cell has no hyperlink"),
    # limits
    ("列数", "columns"),
    ("单个单元格长度", "length of one cell"),
    ("单元格数", "cells"),
    ("压缩包成员数", "zip members"),
    ("工作簿数据流大小", "workbook stream size"),
    ("文件大小", "file size"),
    ("解压后大小", "uncompressed size"),
    ("读取所需内存", "memory needed to read"),
    ("读取时间", "reading time"),
    ("重复行/列", "repeated rows/columns"),
    (f"单个单元格长度（{_G}）", r"length of one cell (\1)"),
    (f"压缩比（{_G}）", r"compression ratio (\1)"),
    (f"工作表「{_G}」的列数（含重复列）", r"columns of sheet '\1' (repeats included)"),
    (f"工作表「{_G}」的单元格区域（含重复行列）", r"cell area of sheet '\1' (repeats included)"),
    (f"工作表「{_G}」的列数", r"columns of sheet '\1'"),
    (f"工作表「{_G}」的单元格区域", r"cell area of sheet '\1'"),
    (f"第 {_G} 个工作表声明的区域（DIMENSIONS 记录）", r"area declared by sheet \1 (DIMENSIONS record)"),
    (f"第 {_G} 个工作表的列数", r"columns of sheet \1"),
    (f"第 {_G} 个工作表的单元格区域", r"cell area of sheet \1"),
    # quantities
    (f"超过 {_G} 秒", r"more than \1 s"),
    (f"{_G} 秒", r"\1 s"),
    (f"{_G} 个单元格", r"\1 cells"),
]
_COMPILED = [(re.compile("^" + re.escape(zh).replace(re.escape(_G), _G) + "$", re.S), en) for zh, en in _TABLE]
FREE_TEXT_PARAMS = ("reason", "limit", "actual", "maximum")


def english(text: str) -> str:
    """The English for a phrase of the table, with its details carried over; otherwise the text unchanged."""
    for pattern, en in _COMPILED:
        m = pattern.match(text)
        if m:
            return m.expand(en)
    return text
