"""Models: Token.from_dict / to_dict, equality, unknown fields kept, typed attributes."""

from __future__ import annotations

import json

import procore
from helpers import login

TOKEN = {
    "access_token": "a" * 40,
    "token_type": "bearer",
    "expires_in": 5400,
    "refresh_token": "r" * 40,
    "created_at": 1508271900,
}


def test_token_from_dict_reads_every_field():
    t = procore.Token.from_dict(dict(TOKEN))
    assert t.token_type == "bearer"
    assert t.expires_in == 5400
    assert t.created_at == 1508271900
    assert t.expires_at == 1508271900 + 5400
    assert isinstance(t.expires_at, int)
    assert t.access_token == TOKEN["access_token"]
    assert t.refresh_token == TOKEN["refresh_token"]


def test_token_to_dict_round_trips_and_keeps_unknown_fields():
    d = dict(TOKEN, scope="read write", resource_owner_id=99)
    t = procore.Token.from_dict(d)
    out = t.to_dict()
    for key, value in d.items():
        assert out[key] == value, key
    assert procore.Token.from_dict(json.loads(json.dumps(out))) == t


def test_token_without_refresh_token():
    d = {k: v for k, v in TOKEN.items() if k != "refresh_token"}
    t = procore.Token.from_dict(d)
    assert t.refresh_token is None
    assert t.expires_at == d["created_at"] + d["expires_in"]


def test_token_equality_is_by_value():
    a = procore.Token.from_dict(dict(TOKEN))
    b = procore.Token.from_dict(dict(TOKEN))
    c = procore.Token.from_dict(dict(TOKEN, access_token="b" * 40))
    assert a == b
    assert a != c
    assert a != "not a token"


def test_token_repr_hides_the_token_values():
    t = procore.Token.from_dict(dict(TOKEN))
    assert "a" * 20 not in repr(t) and "r" * 20 not in repr(t)
    assert "a" * 20 not in str(t) and "r" * 20 not in str(t)


def test_models_keep_every_field_the_server_sent(client, server):
    cid = server.company_id
    project = client.projects.list(company_id=cid, per_page=300)[0]
    raw = client.get(f"/rest/v1.0/projects/{project.id}", params={"company_id": cid}, company_id=cid)
    assert project.to_dict() == raw
    company = client.companies.list()[0]
    raw_companies = client.get("/rest/v1.0/companies")
    assert company.to_dict() == raw_companies[0]
    assert isinstance(company.id, int) and company.id > 2**32


def test_nested_company_of_a_project_is_a_model(client, server):
    project = client.projects.list(company_id=server.company_id, per_page=300)[0]
    assert project.company.id == server.company_id
    assert isinstance(project.company.name, str)
    assert project.to_dict()["company"]["id"] == project.company.id
    assert project.to_dict()["company"]["name"] == project.company.name


def test_listed_models_are_left_to_reference_counting(client, server):
    """The models of a list hold no Python references, so the cycle collector does not
    track them (a big list would otherwise be walked by every collection); they stay whole
    through collections."""
    import gc

    cid = server.company_id
    projects = client.projects.list(company_id=cid, per_page=300)
    by_iter = next(iter(client.projects.iter(company_id=cid, per_page=300)))
    companies = client.companies.list()
    assert not any(gc.is_tracked(m) for m in [*projects, by_iter, *companies])
    want = [p.to_dict() for p in projects]
    gc.collect()
    assert [p.to_dict() for p in projects] == want
    assert projects[0].company.id == cid and by_iter.id == projects[0].id


def test_models_compare_by_value(client, server):
    a = client.projects.get(client.projects.list(per_page=300)[0].id)
    b = client.projects.get(a.id)
    assert a == b
    assert client.me() == client.me()
    assert a != client.me()


def test_fields_the_model_does_not_know_are_kept(fresh_server):
    """A project carrying a field no model declares (here one the mock stores as sent)."""
    server = fresh_server
    cid = server.company_id
    with server.client() as client:
        login(client, server)
        created = client.post(
            "/rest/v1.0/projects",
            json={
                "project": {
                    "name": "Annex",
                    "custom_fields": {"budget_code": "B-12"},
                    "x_flag": 7,
                    "erp_id": 2**62 + 1,
                }
            },
            params={"company_id": cid},
        )
        project = client.projects.get(created["id"], company_id=cid)
        d = project.to_dict()
        assert d["custom_fields"] == {"budget_code": "B-12"}
        assert d["x_flag"] == 7
        assert d["erp_id"] == 2**62 + 1 and isinstance(d["erp_id"], int)
        assert d == created
        assert project.name == "Annex"
