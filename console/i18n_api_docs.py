"""The API reference page's texts (console/templates/api_docs.html), merged into the catalogue."""

from __future__ import annotations

API_DOCS: dict[str, dict[str, str]] = {
    "API reference": {"zh": "API 参考"},
    "The console's JSON API. Sign in first; write requests also send the CSRF token in the "
    "X-CSRFToken header (this page's meta csrf-token).": {
        "zh": "控制台的 JSON API。请先登录；写入请求还须在 X-CSRFToken 请求头中带上 CSRF 令牌"
        "（即本页 meta csrf-token 的值）。"
    },
    "OpenAPI document": {"zh": "OpenAPI 文档"},
    "Roles": {"zh": "角色"},
    "Parameters": {"zh": "参数"},
    "Request body": {"zh": "请求体"},
    "Responses": {"zh": "响应"},
    "Errors are JSON: error, reason (English) and message (your language).": {
        "zh": "错误以 JSON 返回：error、reason（英文）和 message（您的语言）。"
    },
}
