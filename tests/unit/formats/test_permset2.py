"""``decomposePermissionSetBeta2`` splits a permission set per object and kind, and back."""

from __future__ import annotations

from changeway.adapters.formats import _permset2, _safexml, registry

WHOLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <classAccesses>
        <apexClass>Zed</apexClass>
        <enabled>true</enabled>
    </classAccesses>
    <fieldPermissions>
        <editable>true</editable>
        <field>Account.Rating</field>
        <readable>true</readable>
    </fieldPermissions>
    <label>Sales</label>
    <tabSettings>
        <tab>standard-Account</tab>
        <visibility>Visible</visibility>
    </tabSettings>
    <tabSettings>
        <tab>Reports_Tab</tab>
        <visibility>Visible</visibility>
    </tabSettings>
</PermissionSet>
"""


def _split() -> dict[str, bytes]:
    reg = registry(["decomposePermissionSetBeta2"])
    body = _safexml.parse_sdr(WHOLE, "p")["PermissionSet"]
    assert isinstance(body, dict)
    return _permset2.split(reg, reg.types["PermissionSet"], "Sales", body)


def test_object_level_permissions_share_one_file_per_object_or_tab() -> None:
    files = _split()
    assert sorted(files) == [
        "Sales.classAccess-meta.xml",
        "Sales.permissionset-meta.xml",
        "objectSettings/Account.objectSettings-meta.xml",
        "objectSettings/Reports_Tab.objectSettings-meta.xml",
    ]
    account = files["objectSettings/Account.objectSettings-meta.xml"].decode()
    assert account.index("<fieldPermissions>") < account.index("<tab>standard-Account</tab>")
    assert "xmlns" not in account
    assert b"<label>Sales</label>" in files["Sales.permissionset-meta.xml"]


def test_merging_puts_the_fragments_first_and_the_parent_last() -> None:
    reg = registry(["decomposePermissionSetBeta2"])
    files = {f"force-app/permissionsets/Sales/{rel}": data for rel, data in _split().items()}
    merged = _permset2.merge(reg.types["PermissionSet"], "Sales", files).decode()
    order = [merged.index(tag) for tag in ("<classAccesses>", "<fieldPermissions>", "<label>")]
    assert order == sorted(order)
    assert merged.count("<tabSettings>") == 2
    assert 'xmlns="http://soap.sforce.com/2006/04/metadata"' in merged
