"""The web pages' own answers (refusals and failures), Chinese first.  Findings keep their registry."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str, str, str]] = {
    # key: (Chinese title, Chinese text, English title, English text)
    "bad-form": ("上传请求不完整",
                 "上传请求的格式不正确或不完整。请回到上传页，选择文件后点击「开始检查」。",
                 "Incomplete upload", "The upload request was malformed or incomplete. Go back, choose a file and "
                 "press “Check”."),
    "no-file": ("没有收到文件",
                "没有收到文件。请选择或拖入一个 .xlsx、.xls、.ods 或 .csv 文件。",
                "No file received", "No file was received. Choose or drop one .xlsx, .xls, .ods or .csv file."),
    "one-file": ("一次只能检查一个文件",
                 "一次只能上传一个文件。请逐个上传。",
                 "One file at a time", "Upload one file at a time."),
    "bad-type": ("不支持的文件类型",
                 "不支持「{name}」的文件类型。请上传 .xlsx、.xls、.ods 或 .csv 文件"
                 "（WPS 的 .et 文件请先另存为 .xlsx）。",
                 "Unsupported file type", "“{name}” is not a supported type. Upload a .xlsx, .xls, .ods or .csv "
                 "file (save WPS .et files as .xlsx first)."),
    "too-large": ("文件过大",
                  "文件超过了 {limit} MB 的上限。请删去无关的工作表、图片，或把目录拆成几个文件分别上传；"
                  "管理员可用 zwgk serve --max-upload-mb 调高上限。",
                  "File too large", "The file is over the {limit} MB limit. Remove unrelated sheets or pictures, or "
                  "split the catalogue into several files; the administrator can raise the limit with "
                  "zwgk serve --max-upload-mb."),
    "csrf": ("安全令牌缺失或已失效",
             "表单的安全令牌缺失或已失效（页面打开过久、浏览器禁用了 Cookie，或请求来自别的网站）。"
             "请回到上传页刷新后重新上传。",
             "Security token missing or invalid", "The form's security token is missing or no longer valid (the "
             "page was open too long, cookies are off, or the request came from another site). Reload the "
             "upload page and try again."),
    "rate": ("上传过于频繁",
             "上传过于频繁，请 {seconds} 秒后再试。",
             "Too many uploads", "Too many uploads; try again in {seconds} seconds."),
    "busy": ("服务器正忙",
             "同时在检查的文件过多，请稍后再试。",
             "Server busy", "Too many files are being checked at once; try again shortly."),
    "timeout": ("检查超时",
                "检查超过了 {seconds} 秒仍未完成，文件可能过大或结构异常。请拆分文件后重试，"
                "或请管理员用 zwgk check 在本机检查。",
                "Check timed out", "The check took longer than {seconds} seconds; the file may be too large or "
                "malformed. Split it and try again, or ask the administrator to run zwgk check on it."),
    "not-found": ("结果不存在或已过期",
                  "该检查结果不存在或已过期（结果只保留 {minutes} 分钟）。请重新上传文件检查。",
                  "Result not found or expired", "This result does not exist or has expired (results are kept "
                  "for {minutes} minutes). Upload the file again."),
    "bad-unit": ("单位不在名册中",
                 "「{unit}」不在本区单位名册中。请从列表中选择单位，或选「自动识别」。",
                 "Unknown unit", "“{unit}” is not in the district's roster. Pick a unit from the list, or "
                 "“detect automatically”."),
    "internal": ("内部错误",
                 "检查时发生内部错误（{detail}）。请把文件交给管理员，用 zwgk check 复现后报告维护者。",
                 "Internal error", "An internal error occurred while checking ({detail}). Give the file to the "
                 "administrator to reproduce with zwgk check and report it."),
    "disconnected": ("上传中断", "上传在完成前中断。请重试。", "Upload interrupted",
                     "The upload was interrupted before it finished. Try again."),
    "page-not-found": ("页面不存在", "没有这个页面。", "Page not found", "There is no such page."),
}


def message(key: str, lang: str, **params: object) -> tuple[str, str]:
    zh_title, zh_text, en_title, en_text = MESSAGES[key]
    title, text = (en_title, en_text) if lang == "en" else (zh_title, zh_text)
    return title, text.format(**{k: str(v) for k, v in params.items()})
