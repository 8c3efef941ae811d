# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List calls as table entries: collect every page (PageNumber/PageSize or NextToken/MaxResults).

A product module describes each list action once as a ``ListSpec``; ``list_items`` and
``get_item`` do the rest, so list and get wrappers that would differ only by action name and
paths are not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paths import search

PAGES = "pages"
TOKEN = "token"
SINGLE = "single"


@dataclass(frozen=True)
class ListSpec:
    """One list action: ``items`` is a JMESPath expression into the response body; ``paging`` is
    PAGES (PageNumber/PageSize), TOKEN (NextToken/MaxResults) or SINGLE (one call, the whole list);
    a ``not_found`` code means the
    filter names a parent that does not exist (or no longer does), which is an empty list."""

    action: str
    items: str
    id_key: str
    paging: str = PAGES
    page_size: int = 50
    not_found: tuple = ()
    # PAGES: the request keys of the page number and size, and the JMESPath of the total count
    # (ROA APIs such as ACK's DescribeClustersV1 spell them page_number, page_size, page_info.total_count).
    page_number_key: str = "PageNumber"
    page_size_key: str = "PageSize"
    total_path: str = "TotalCount"


def paginate_pages(
    call,
    items_path: str,
    page_size: int = 50,
    params=None,
    max_pages: int = 1000,
    keys=("PageNumber", "PageSize"),
    total_path: str = "TotalCount",
) -> list:
    """``call(**params)`` returns a body dict with a total count at ``total_path``; items at ``items_path``."""
    items = []
    params = dict(params or {})
    for page in range(1, max_pages + 1):
        body = call(**dict(params, **{keys[0]: page, keys[1]: page_size}))
        chunk = search(items_path, body) or []
        items.extend(chunk)
        total = search(total_path, body)
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
        items.extend(search(items_path, body) or [])
        token = body.get("NextToken")
        if not token:
            break
    return items


def list_items(client, spec: ListSpec, quiet: bool = True, **params) -> list:
    """Every item of ``spec.action`` for these filters (None values are not sent); with ``quiet``,
    a not-found answer is an empty list."""

    def call(**kwargs):
        return client.call(spec.action, **kwargs)

    try:
        if spec.paging == SINGLE:
            return search(spec.items, call(**params)) or []
        if spec.paging == TOKEN:
            return paginate_token(call, spec.items, max_results=spec.page_size, params=params)
        keys = (spec.page_number_key, spec.page_size_key)
        return paginate_pages(
            call, spec.items, page_size=spec.page_size, params=params, keys=keys, total_path=spec.total_path
        )
    except AlicloudError as err:
        if quiet and (err.code in spec.not_found or err.is_not_found):
            return []
        raise


def get_item(client, spec: ListSpec, item_id: str, **params) -> dict | None:
    """The item whose ``spec.id_key`` is ``item_id``, listed with these filters; None when absent."""
    return next((i for i in list_items(client, spec, **params) if i.get(spec.id_key) == item_id), None)


def only_one(items: list, spec: ListSpec, what: str, hint: str, code: str = "AmbiguousLookup") -> dict | None:
    """The single item of a lookup; more than one is an error naming them and how to pick one."""
    if len(items) > 1:
        raise AlicloudError(
            code,
            "%d %s (%s): %s" % (len(items), what, ", ".join(str(i.get(spec.id_key)) for i in items), hint),
        )
    return items[0] if items else None
