"""Codes the reader raises while it makes sense of a file (no check function: the reader emits them)."""

from zwgk.validators.models import Severity
from zwgk.validators.registry import define

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

define(
    "file-unreadable", E, "file",
    title=("文件无法读取", "file cannot be read"),
    message=("无法读取文件（{reason}）。", "The file cannot be read ({reason})."),
    fix=("请确认文件名和位置无误、文件完整；能在 Excel 或 WPS 中打开的，请另存为 .xlsx 后再检查。",
         "Check the file name and that the file is complete; if Excel or WPS opens it, save it as .xlsx and check again."),
)
define(
    "file-limit-exceeded", E, "file",
    title=("文件超出安全限制", "file exceeds a safety limit"),
    message=("文件超出安全限制（{limit}：{actual}，上限 {maximum}），未读取。",
             "The file exceeds a safety limit ({limit}: {actual}, maximum {maximum}) and was not read."),
    fix=("请删除多余的空行、空列和超长单元格后重新保存；如确需更大的文件，请联系区政府办公室放宽检查上限。",
         "Remove stray rows, columns and oversized cells and save again, or raise the limit with --max-* options."),
)
define(
    "file-encrypted", E, "file",
    title=("文件设有密码", "file is password-protected"),
    message=("文件设有打开密码，无法检查。", "The workbook is password-protected and cannot be checked."),
    fix=("请取消密码（文件 → 信息 → 保护工作簿）后另存再提交。", "Remove the password and save a copy."),
)
define(
    "file-has-macros", W, "file",
    title=("文件含宏", "workbook contains macros"),
    message=("工作簿含宏（VBA），zwgk 不运行宏，只读取单元格内容。", "The workbook contains macros; zwgk never runs them."),
    fix=("提交时请另存为不含宏的 .xlsx。", "Save as a macro-free .xlsx before submitting."),
)
define(
    "external-link", W, "file",
    title=("引用外部工作簿", "external workbook link"),
    message=("工作簿引用了外部文件 {target}，其内容不会被读取。", "The workbook links to an external file {target}; it is not read."),
    fix=("请把引用的内容粘贴为数值。", "Paste the referenced values as values."),
)
define(
    "formula-no-value", W, "sheet",
    title=("公式没有计算结果", "formula without a cached value"),
    message=("{cell} 是公式 {formula}，文件中没有保存计算结果，按空白读取。",
             "{cell} holds the formula {formula} with no saved result; read as blank."),
    fix=("请在 Excel/WPS 中重新计算并保存，或把公式粘贴为数值。", "Recalculate and save in Excel/WPS, or paste values."),
)
define(
    "csv-encoding", W, "file",
    title=("CSV 编码有误", "CSV encoding problem"),
    message=("CSV 文件含有 {count} 处无法解码的字节（按 {encoding} 读取），已替换为 �。",
             "The CSV has {count} undecodable byte sequence(s) (read as {encoding}); replaced with �."),
    fix=("请以 UTF-8 编码另存。", "Save it as UTF-8."),
)
define(
    "nul-bytes", W, "file",
    title=("文件含空字符", "NUL characters in file"),
    message=("文件含有 {count} 个空字符（NUL），已删除。", "The file contains {count} NUL character(s); they were removed."),
    fix=("请检查导出工具，另存为 UTF-8 CSV 或 .xlsx。", "Check the exporting tool; save as UTF-8 CSV or .xlsx."),
)
define(
    "sheet-instructions-skipped", INFO, "sheet",
    title=("非目录工作表已跳过", "non-catalogue sheet skipped"),
    message=("工作表「{sheet}」是填表说明、封面或下拉选项等非目录内容，不作为目录读取。",
             "Sheet '{sheet}' holds instructions, a cover or drop-down lists, and is not read as a catalogue."),
)
define(
    "sheet-empty", INFO, "sheet",
    title=("空工作表", "empty sheet"),
    message=("工作表「{sheet}」没有内容，已跳过。", "Sheet '{sheet}' is empty and was skipped."),
)
define(
    "header-not-found", E, "sheet",
    title=("找不到表头", "header not found"),
    message=("工作表「{sheet}」有 {rows} 行内容，但前 {scanned} 行中找不到目录表头（至少需要公开事项、公开内容等列）。",
             "Sheet '{sheet}' has {rows} non-blank rows but no catalogue header in its first {scanned} rows."),
    fix=("请使用标准目录表头（序号、公开事项、公开内容（要素）、公开依据、公开时限、公开主体、公开渠道和载体、公开对象、公开方式），或改用区政府办公室下发的标准目录模板填写。",
         "Use the standard header (序号, 公开事项, 公开内容, 公开依据, 公开时限, 公开主体, 公开渠道和载体, 公开对象, 公开方式) or start from `zwgk template`."),
)
define(
    "column-missing", E, "sheet",
    title=("缺少必需列", "required column missing"),
    message=("表头缺少「{label}」列（国办发〔2019〕54号规定的目录要素）。", "The header has no '{label}' column (a minimum element under 国办发〔2019〕54号)."),
    fix=("请在表头中加入「{label}」列并逐行填写。", "Add a '{label}' column and fill it for every row."),
)
define(
    "column-duplicate", W, "sheet",
    title=("重复的列", "duplicate column"),
    message=("「{label}」列出现了不止一次（{cell} 与 {first}），只读取第一列。", "Column '{label}' appears twice ({cell} and {first}); the first is read."),
    fix=("请删除或改名重复的列。", "Delete or rename the duplicate column."),
)
define(
    "column-unknown", INFO, "sheet",
    title=("未识别的列", "column not recognised"),
    message=("{cell} 列「{label}」不是目录字段，内容原样保留在附加信息中。", "Column {cell} '{label}' is not a catalogue field; its values are kept as extra data."),
)
define(
    "row-not-item", W, "sheet",
    title=("无法识别的数据行", "row not read as an item"),
    message=("第 {row} 行有内容（{text}），但不是完整的目录事项：{reason}。", "Row {row} has content ({text}) but is not an item: {reason}."),
    fix=("请把该行补全为一个事项，或删除该行。", "Complete the row as an item, or delete it."),
)
define(
    "rows-truncated", E, "sheet",
    title=("行数超出上限", "too many rows"),
    message=("工作表「{sheet}」有 {rows} 行，超过上限 {maximum} 行，之后的行未读取。",
             "Sheet '{sheet}' has {rows} rows, more than the limit of {maximum}; the rest was not read."),
    fix=("请删除表格末尾的空行，或拆分为多个工作表。", "Delete trailing blank rows or split the sheet."),
)
define(
    "cell-too-long", E, "sheet",
    title=("单元格内容过长", "cell too long"),
    message=("{cell} 有 {length} 个字符，超过上限 {maximum}，已截断。", "{cell} has {length} characters, more than {maximum}; truncated."),
    fix=("请精简该单元格内容（公开内容可写要素，不必粘贴全文）。", "Shorten the cell (list the elements, not the full text)."),
)
define(
    "domain-unknown", W, "sheet",
    title=("未知领域", "unknown domain"),
    message=("领域「{value}」不在参考领域目录中。", "Domain '{value}' is not in the reference list."),
    fix=("请使用 26 个试点领域或全领域目录中的规范名称。", "Use the canonical name of one of the 26 pilot domains or the 全领域 list."),
)
define(
    "domain-missing", W, "sheet",
    title=("无法确定领域", "domain not determined"),
    message=("无法从工作表名、标题或「领域」列确定工作表「{sheet}」所属领域。",
             "Could not tell the domain of sheet '{sheet}' from its name, title or a 领域 column."),
    fix=("请把工作表命名为领域名称（如「义务教育」），或在表格标题中写明领域（如“……义务教育领域基层政务公开标准目录”）。", "Name the sheet after its domain or pass --domain."),
)
define(
    "unit-unknown", W, "file",
    title=("未知单位", "unknown unit"),
    message=("单位「{value}」不在宝山区单位名录中。", "Unit '{value}' is not in the district's roster."),
    fix=("请在表头上方的「填报单位：」后写名录中的单位名称（如「区教育局」「罗店镇」）。", "Use the roster name or pass --unit."),
)
define(
    "unit-missing", W, "file",
    title=("无法确定填报单位", "submitting unit not determined"),
    message=("无法从「填报单位」、标题、公开主体或文件名确定填报单位。", "Could not tell the submitting unit from 填报单位, the title, 公开主体 or the file name."),
    fix=("请在表头上方加一行「填报单位：本单位名称」（如「填报单位：区教育局」）。", "Add a line '填报单位：…' above the header, or pass --unit."),
)
define(
    "rows-not-read", E, "sheet",
    title=("数据行未读取", "rows not read"),
    message=("工作表「{sheet}」第 {first}–{last} 行共 {count} 行数据未作为事项读取：表头（{header}）不是标准目录格式，缺少{missing}列。",
             "Rows {first}–{last} of sheet '{sheet}' ({count} rows) were not read as items: the header ({header}) "
             "is not the standard catalogue layout; it lacks {missing}."),
    fix=("请按标准目录表头重新整理（至少包括公开事项、公开内容、公开依据、公开时限、公开主体、公开渠道和载体、公开对象、公开方式），"
         "或改用区政府办公室下发的标准目录模板填写。",
         "Rearrange the sheet under the standard header, or start from `zwgk template`."),
)
define(
    "row-heading", INFO, "sheet",
    title=("分组标题行", "section heading row"),
    message=("第 {row} 行「{text}」按分组标题读取，不是事项。", "Row {row} '{text}' is read as a section heading, not an item."),
    fix=("如果这是一个事项，请补全事项名称和公开内容。", "If it is an item, fill in its name and content."),
)
define(
    "rows-hidden", W, "sheet",
    title=("隐藏的事项行", "hidden item rows"),
    message=("第 {rows} 行（共 {count} 行）在 Excel 中被隐藏，仍按事项读取。",
             "Rows {rows} ({count}) are hidden in Excel; they are still read as items."),
    fix=("如这些事项已删除，请真正删除这些行；否则请取消隐藏，让审核的人看得到。",
         "If these items were deleted, delete the rows; otherwise unhide them so that reviewers see them."),
)
define(
    "cell-error-value", E, "cell",
    title=("单元格显示错误值", "cell shows an error value"),
    message=("{cell} 显示错误值 {value}（公式出错或所引用的单元格、工作簿已失效），按 {value} 读取。",
             "{cell} shows the error value {value} (a broken formula or reference); read as {value}."),
    fix=("请修正公式，或复制后“选择性粘贴为数值”并填入正确内容，再提交。",
         "Fix the formula, or paste the correct content as values, before submitting."),
)
define(
    "sheet-title-only", W, "sheet",
    title=("工作表只有标题", "sheet with a title only"),
    message=("工作表「{sheet}」只有 {rows} 行文字（{text}），没有目录表头和事项。",
             "Sheet '{sheet}' holds only {rows} line(s) of text ({text}): no catalogue header, no items."),
    fix=("如本领域有公开事项，请在标题下按目录格式填写表头和事项；如没有，请删除该工作表。",
         "If this domain has items, add the catalogue header and rows under the title; if not, delete the sheet."),
)
define(
    "sheet-hidden", W, "sheet",
    title=("隐藏的目录工作表", "hidden catalogue sheet"),
    message=("工作表「{sheet}」在 Excel 中被隐藏，但含有目录内容，仍按目录读取。",
             "Sheet '{sheet}' is hidden in Excel but holds catalogue rows; it is still read."),
    fix=("如这些事项有效，请取消隐藏该工作表，让审核的人看得到；如已作废，请删除该工作表。",
         "If these items are valid, unhide the sheet so that reviewers see it; if obsolete, delete the sheet."),
)
define(
    "sheet-hidden-skipped", INFO, "sheet",
    title=("隐藏的非目录工作表已跳过", "hidden non-catalogue sheet skipped"),
    message=("工作表「{sheet}」在 Excel 中被隐藏（下拉选项、数据源等），没有目录表头，不作为目录读取。",
             "Sheet '{sheet}' is hidden in Excel (drop-down lists, lookup data) and has no catalogue header; "
             "it is not read."),
)
define(
    "units-mixed", W, "file",
    title=("一个文件含多个单位的事项", "rows of several units in one file"),
    message=("公开主体列写有 {count} 个单位（{units}）：各行按其公开主体所写单位计入，{others} 行不计入本文件的单位"
             "「{unit}」。",
             "The 公开主体 column names {count} units ({units}): each row is counted for the unit its 公开主体 names; "
             "{others} rows are not counted for this file's unit '{unit}'."),
    fix=("单位提交时一个文件只放本单位的目录；如果这些事项都属于本单位，请在标题下写明“填报单位：（单位名称）”；"
         "多个单位的目录请各自提交，由区政府办公室汇编。",
         "Submit one unit's catalogue per file; if all rows are this unit's, add a line 填报单位：(unit) under the "
         "title or pass --unit; to collect several units, run zwgk compile on their files."),
)
define(
    "rows-not-involved", INFO, "sheet",
    title=("“未涉及”声明行", "rows declaring 未涉及"),
    message=("第 {rows} 行（共 {count} 行）写明“未涉及”（{what}），是声明而不是公开事项，没有读作事项。",
             "Rows {rows} ({count}) declare 未涉及 ({what}): a declaration, not an item; not read as items."),
    fix=("未涉及的领域由区政府办公室统一登记（请把理由报给区政府办公室），目录中可删除这些行。",
         "The district office records domains a unit does not handle in zwgk.toml ([[not_involved]], with a reason); "
         "these rows can be deleted from the catalogue."),
)
define(
    "rows-numbered-only", INFO, "sheet",
    title=("只有序号的空行", "rows with only a number"),
    message=("第 {rows} 行（共 {count} 行）只填了序号，按空行处理。", "Rows {rows} ({count}) hold only a 序号 and are read as blank."),
    fix=("提交前可删除这些空行。", "Delete these rows before submitting."),
)
define(
    "ditto-nothing-above", E, "sheet",
    title=("“同上”无从参照", "ditto with nothing above"),
    message=("{cell} 填写了「{value}」，但上方没有可参照的内容。", "{cell} says '{value}' but there is nothing above to repeat."),
    fix=("请把“同上”改为实际内容。", "Replace it with the actual text."),
)
