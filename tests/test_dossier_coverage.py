"""Annex B of the dossier (provision coverage): provisions in the order people number them,
and advisory citations (unconfirmed or read in secondary sources) marked."""

from __future__ import annotations

import pytest

from assessments.services import latest_questionnaire
from dossiers.content import _coverage, natural_key
from library.catalogue import get_catalogue
from library.models import Confidence

pytestmark = pytest.mark.django_db


def test_provisions_are_in_numbering_order():
    assert sorted(
        ["GAI-10", "GAI-2", "GAI-1.3", "GAI-1", "TC-8.10", "TC-8.9"], key=natural_key
    ) == [
        "GAI-1",
        "GAI-1.3",
        "GAI-2",
        "GAI-10",
        "TC-8.9",
        "TC-8.10",
    ]
    catalogue = get_catalogue(latest_questionnaire())
    keys = [row["provision"].key for row in _coverage(catalogue, {}, {})]
    assert keys == sorted(keys, key=natural_key) and len(keys) == len(set(keys))


def test_secondary_source_citations_are_marked_like_unconfirmed_ones():
    from library.models import Provision

    catalogue = get_catalogue(latest_questionnaire())
    rows = {row["provision"].key: row["provision"] for row in _coverage(catalogue, {}, {})}
    confidence = dict(Provision.objects.filter(key__in=rows).values_list("key", "confidence"))
    secondary = [k for k, c in confidence.items() if c == Confidence.SECONDARY]
    assert secondary, "the library cites provisions read in secondary sources"
    for key, provision in rows.items():
        assert provision.secondary == (confidence[key] == Confidence.SECONDARY)
        assert provision.unconfirmed == (confidence[key] == Confidence.UNCONFIRMED)
