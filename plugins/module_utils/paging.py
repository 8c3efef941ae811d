# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect every page of a list call (PageNumber/PageSize or NextToken/MaxResults)."""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import dig


def paginate_pages(call, items_path: str, page_size: int = 50, params=None, max_pages: int = 1000) -> list:
    """``call(**params)`` returns a body dict with ``TotalCount``; items at ``items_path``."""
    items = []
    params = dict(params or {})
    for page in range(1, max_pages + 1):
        body = call(**dict(params, PageNumber=page, PageSize=page_size))
        chunk = dig(body, items_path) or []
        items.extend(chunk)
        total = body.get("TotalCount")
        if not chunk or len(chunk) < page_size or (total is not None and len(items) >= int(total)):
            break
    return items


def paginate_token(
    call, items_path: str, max_results: int | None = None, params=None, size_key="MaxResults", max_pages: int = 1000
) -> list:
    """``call(**params)`` returns a body with ``NextToken``; loop while it is non-empty."""
    items = []
    params = dict(params or {})
    if max_results is not None:
        params[size_key] = max_results
    token = None
    for _page in range(max_pages):
        page_params = dict(params)
        if token:
            page_params["NextToken"] = token
        body = call(**page_params)
        items.extend(dig(body, items_path) or [])
        token = body.get("NextToken")
        if not token:
            break
    return items
