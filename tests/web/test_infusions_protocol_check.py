"""A bad protocol file stops the server at start-up (a Django system check), naming the key."""

from __future__ import annotations

import json

from kclinic.web.infusions.apps import protocol_file_check


def test_the_cited_defaults_pass_the_check(settings):
    settings.KCLINIC_PROTOCOL_FILE = ""
    assert protocol_file_check() == []


def test_an_out_of_range_value_fails_the_check_naming_it(settings, tmp_path):
    path = tmp_path / "protocol.json"
    path.write_text(json.dumps({"prechecks": {"fasting_hours": 30}}), encoding="utf-8")
    settings.KCLINIC_PROTOCOL_FILE = str(path)
    (error,) = protocol_file_check()
    assert error.id == "kclinic.E001"
    assert "prechecks.fasting_hours" in error.msg


def test_an_unreadable_file_fails_the_check(settings, tmp_path):
    settings.KCLINIC_PROTOCOL_FILE = str(tmp_path / "missing.json")
    (error,) = protocol_file_check()
    assert "missing.json" in error.msg
