"""Tests for geomap.resolve: one place per mention, chosen with document context."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from geomap.gazetteer import distance_km
from geomap.mentions import find_mentions
from geomap.models import Document
from geomap.resolve import resolve_mentions

from conftest import shared_path

ROOT = Path(__file__).parents[1]


def _resolve(gazetteer, text: str, doc_id: str = "t") -> dict:
    doc = Document(id=doc_id, source=f"{doc_id}.txt", text=text)
    mentions = resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
    return {m.surface: m for m in mentions}


@pytest.fixture(scope="module")
def seed(gazetteer):
    return _resolve(gazetteer, (ROOT / "seeds" / "drc-ceasefire-calls.txt").read_text())


def _near(place, lat, lon, km=50):
    return place is not None and distance_km(place.lat, place.lon, lat, lon) < km


def test_seed_goma_is_congo(seed):
    goma = seed["Goma"].place
    assert goma.country == "CD" and _near(goma, -1.67, 29.23, 5)
    assert 0 < seed["Goma"].score <= 1


def test_seed_airports(seed):
    assert seed["Goma Airport"].place.id == "ap:FZNA"
    assert seed["Goma Airport"].place.lat == pytest.approx(-1.67081)
    assert _near(seed["Kavumu Airport"].place, -2.309, 28.809, 5)


def test_seed_countries_and_cities(seed):
    assert seed["Nairobi"].place.country == "KE"
    assert seed["Dar es Salaam"].place.country == "TZ"
    drc = seed["DRC"].place
    assert drc.kind == "country" and drc.country == "CD" and _near(drc, 0.0, 25.0, 50)
    assert seed["Kenya"].place.id == "country:KE"
    assert seed["Haiti"].place.id == "country:HT"
    assert seed["Kenyan"].role == "demonym" and seed["Kenyan"].place.country == "KE"


def test_one_sense_per_name(gazetteer):
    text = shared_path("events", "dev", "mozambique-palma.md").read_text(encoding="utf-8")
    doc = Document(id="palma", source="palma.md", text=text)
    ms = [m for m in resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
          if m.surface == "Palma"]
    assert len(ms) >= 2 and len({m.place.id for m in ms}) == 1


DEV_EXPECTED = [
    ("haiti-kingston.md", "Kingston", 17.997, -76.794),
    ("haiti-kingston.md", "Port-au-Prince", 18.543, -72.339),
    ("haiti-kingston.md", "Cap-Haïtien", 19.759, -72.198),
    ("haiti-kingston.md", "Toussaint Louverture International Airport", 18.58, -72.29),
    ("mozambique-palma.md", "Palma", -10.77, 40.47),
    ("mozambique-palma.md", "Pemba", -12.974, 40.518),
    ("tigray-pretoria.txt", "Shire", 14.10, 38.28),
    ("tigray-pretoria.txt", "Mekelle", 13.497, 39.475),
    ("tigray-pretoria.txt", "Semera", 11.79, 41.01),
    ("tigray-pretoria.txt", "Gonder", 12.6, 37.47),
    ("tigray-pretoria.txt", "Pretoria", -25.745, 28.188),
    ("yemen-hodeidah.txt", "Rimbo", 59.75, 18.37),
    ("yemen-hodeidah.txt", "Hodeidah", 14.8, 42.95),
    ("yemen-hodeidah.txt", "Sanaa", 15.35, 44.21),
    ("yemen-hodeidah.txt", "Sanaa International Airport", 15.48, 44.22),
    ("sudan-wad-madani.md", "Adre", 13.47, 22.20),
    ("sudan-wad-madani.md", "El Fasher", 13.628, 25.349),
    ("sudan-wad-madani.md", "Wad Madani", 14.401, 33.52),
    ("sudan-wad-madani.md", "Jeddah", 21.49, 39.186),
    ("ukraine-avdiivka.txt", "Avdiivka", 48.14, 37.75),
    ("ukraine-avdiivka.txt", "Bakhmut", 48.594, 37.999),
    ("ukraine-avdiivka.txt", "Kharkiv", 49.98, 36.25),
    ("ukraine-avdiivka.txt", "Odesa", 46.49, 30.74),
    ("ukraine-avdiivka.txt", "Munich", 48.137, 11.575),
]


@pytest.mark.parametrize("name, surface, lat, lon", DEV_EXPECTED)
def test_dev_articles(gazetteer, name, surface, lat, lon):
    mentions = _resolve(gazetteer, shared_path("events", "dev", name).read_text(encoding="utf-8"), name)
    assert surface in mentions, sorted(mentions)
    assert _near(mentions[surface].place, lat, lon), mentions[surface].place


@pytest.mark.parametrize("text, surface, country, lat, lon", [
    ("The fair opened in Paris, Texas, on Friday.", "Paris", "US", 33.66, -95.56),
    ("The fair opened in Paris on Friday.", "Paris", "FR", 48.85, 2.35),
    ("Floods hit Kingston, Jamaica.", "Kingston", "JM", 17.997, -76.794),
    ("Troops entered Sake in North Kivu.", "Sake", "CD", -1.57, 29.04),
    ("Protesters gathered in Washington after President Biden spoke.", "Washington", "US",
     38.9, -77.04),
    ("Rebels advanced on Goma. Congolese troops fled toward Sake.", "Goma", "CD", -1.67, 29.23),
])
def test_unseen_sentences(gazetteer, text, surface, country, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert m.place.country == country and _near(m.place, lat, lon)


def test_person_washington_is_not_a_place(gazetteer):
    assert "Washington" not in _resolve(gazetteer, "President Washington crossed the river.")


def test_unresolved_name_is_kept_and_logged(gazetteer, caplog):
    with caplog.at_level(logging.WARNING, logger="geomap"):
        mentions = _resolve(gazetteer, "Militias attacked Foobarville in Kenya.")
    assert mentions["Foobarville"].place is None and mentions["Foobarville"].score == 0
    assert mentions["Kenya"].place.id == "country:KE"
    assert "Foobarville" in caplog.text


def test_scores_are_confidences(seed):
    assert all(0.0 < m.score <= 1.0 for m in seed.values())


@pytest.mark.parametrize("text, surface, place_id", [
    ("Rebels captured the town of Paletwa in Chin State.", "Chin State", "admin1:MM-14"),
    ("Sittwe, the capital of Rakhine State, was shelled.", "Rakhine State", "admin1:MM-16"),
    ("Fighting spread to Shan State.", "Shan State", "admin1:MM-17"),
    ("RSF fighters entered Gezira state.", "Gezira state", "admin1:SD-GZ"),
    ("Insurgents attacked Palma in Cabo Delgado province.", "Cabo Delgado province", "admin1:MZ-P"),
    ("Al-Shabaab fighters retook the town of Mahas in Hiiraan region.", "Hiiraan region",
     "admin1:SO-HI"),
    ("Troops entered Sake in North Kivu province.", "North Kivu province", "admin1:CD-NK"),
    ("Floods hit Blue Nile state.", "Blue Nile state", "admin1:SD-NB"),
])
def test_name_and_division_word_is_the_division(gazetteer, text, surface, place_id):
    assert _resolve(gazetteer, text)[surface].place.id == place_id


@pytest.mark.parametrize("text, surface", [
    # the only candidates are small places on another continent
    ("Malian troops withdrew from their base in Ber after clashes.", "Ber"),
    # a hamlet with no population count 800 km across the Red Sea from the nearest place
    ("Families fled El Fasher in North Darfur for Hababah; aid is flown into Port Sudan.", "Hababah"),
    # an explicit parent that excludes every candidate
    ("Al-Shabaab fighters retook the town of Mahas in Hiiraan region.", "Mahas"),
    ("Herders crossed the Juba River near Kismayo.", "Juba River"),
    ("Boats crossed the Niger River near Niamey.", "Niger River"),
])
def test_left_unresolved_rather_than_misplaced(gazetteer, caplog, text, surface):
    with caplog.at_level(logging.WARNING, logger="geomap"):
        m = _resolve(gazetteer, text)[surface]
    assert m.place is None and m.score == 0
    assert surface in caplog.text


def test_small_place_near_the_story_is_kept(gazetteer):
    # Rimbo (Sweden, 5,000 people) is near Stockholm, which the document names
    ms = _resolve(gazetteer, "Yemen's parties met in Rimbo, north of Stockholm, in Sweden.")
    assert ms["Rimbo"].place.country == "SE"


def test_parent_that_may_be_a_city_does_not_unresolve(gazetteer):
    ms = _resolve(gazetteer, "Strikes hit Kharkiv, Zaporizhzhia and Odesa in Ukraine.")
    assert ms["Kharkiv"].place.country == "UA"


def test_parent_with_a_second_area_sense(gazetteer):
    ms = _resolve(gazetteer, "The storm reached Atlanta, Georgia, on Friday.")
    assert ms["Atlanta"].place.country == "US"


@pytest.mark.parametrize("text, surface, lat, lon", [
    # a local story's places pull each other together
    ("A fire destroyed a barn near Paris on Tuesday. Lamar County deputies and crews from "
     "Honey Grove and Clarksville responded.", "Paris", 33.66, -95.56),
    ("Pupils from Edmonton and Enfield cooked for judges at the Millfield Theatre in "
     "north London.", "Edmonton", 51.62, -0.06),
    # a country name stays the country unless the story's places are in a same-named state
    ("Tbilisi said Georgia would hold talks with Russia.", "Georgia", 42.0, 43.5),
    ("Storms hit Georgia overnight; Atlanta, Macon and Savannah lost power.", "Georgia", 32.7, -83.4),
    # the city, not a small place elsewhere that the document's country votes favour
    ("The US envoy flew from Washington to Paris for talks.", "Paris", 48.85, 2.35),
])
def test_document_coherence(gazetteer, text, surface, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert _near(m.place, lat, lon, 150), m.place


def test_parent_a_few_words_away(gazetteer):
    text = "The RSF said it had seized the Yarmouk military complex in southern Khartoum."
    assert _resolve(gazetteer, text)["Yarmouk"].place is None  # not Yarmouk in Syria


@pytest.mark.parametrize("text, surface, lat, lon", [
    # a list of cities: the next city is an item, not a parent the first must lie in
    ("The tour ran in Tampa, Orlando, Jacksonville and Pensacola.", "Tampa", 27.95, -82.46),
    ("The ranking compares Vancouver, Calgary, Edmonton and Winnipeg.", "Edmonton", 53.55, -113.47),
    ("After Paris, London is the second destination of the trains.", "Paris", 48.85, 2.35),
])
def test_city_after_a_comma_is_a_list_item(gazetteer, text, surface, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert _near(m.place, lat, lon), m.place


def test_city_after_a_comma_still_narrows(gazetteer):
    # "X, <city>" with an X near that city still picks the nearby X
    m = _resolve(gazetteer, "Crews worked in Arlington, Dallas, on Monday.")["Arlington"]
    assert _near(m.place, 32.74, -97.11), m.place


@pytest.mark.parametrize("text, surface, lat, lon", [
    # a name the text calls a town means the town, not the same-named province
    ("Fighters entered the northern town of Ménaka at dawn.", "Ménaka", 15.92, 2.40),
    ("Kidal, the rebels' main town, fell on Tuesday after a week of strikes.", "Kidal", 18.44, 1.41),
])
def test_a_name_called_a_town_is_the_town(gazetteer, text, surface, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert m.place.kind == "city" and _near(m.place, lat, lon), m.place


def test_a_name_called_a_region_stays_the_region(gazetteer):
    m = _resolve(gazetteer, "Aid reached the Kidal region, where the town is cut off.")["Kidal region"]
    assert m.place.kind == "admin1", m.place


@pytest.mark.parametrize("text, surface, lat, lon", [
    # a state's name means the state more than a small namesake town elsewhere
    ("Lawmakers in Delaware passed the bill on Tuesday.", "Delaware", 39.0, -75.5),
    ("Farmers across Indiana expect a late harvest.", "Indiana", 40.0, -86.1),
])
def test_a_division_name_is_the_division_more_than_a_small_namesake_town(gazetteer, text, surface, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert m.place.kind == "admin1" and _near(m.place, lat, lon, 250), m.place


def test_a_namesake_town_still_wins_in_its_own_story(gazetteer):
    # the Ohio city of Delaware, among Ohio places
    ms = _resolve(gazetteer, "Crews from Columbus, Marion and Delaware fought the fire near Sunbury.")
    assert ms["Delaware"].place.country == "US" and ms["Delaware"].place.kind == "city", ms["Delaware"].place


@pytest.mark.parametrize("text, surface, lat, lon", [
    # landmarks that news names for their place (curated), and airports by their short names
    ("Officials at the White House declined to comment.", "White House", 38.90, -77.04),
    ("Reporters waited outside the Kremlin on Monday.", "Kremlin", 55.75, 37.62),
    ("Hundreds of flights were cancelled at Heathrow on Friday.", "Heathrow", 51.47, -0.45),
])
def test_landmarks_and_airports_by_short_name(gazetteer, text, surface, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert _near(m.place, lat, lon, 20), m.place


@pytest.mark.parametrize("text, surface, place_id", [
    # a postal-style abbreviation written with its dot is the abbreviation
    ("The storm hit Brandon, Man., on Friday.", "Man", "admin1:CA-MB"),
    ("Fighting was reported near Man in western Ivory Coast.", "Man", None),
])
def test_an_abbreviation_with_its_dot(gazetteer, text, surface, place_id):
    m = _resolve(gazetteer, text)[surface]
    if place_id:
        assert m.place.id == place_id, m.place
    else:
        assert m.place.country == "CI", m.place


def test_names_in_a_list_are_items_not_parents(gazetteer):
    # "New York, North Carolina" inside a list of states: New York is not in North Carolina
    ms = _resolve(gazetteer, "Performers came from Missouri, New York, North Carolina and Virginia.")
    assert ms["New York"].place is not None and ms["New York"].place.admin1 == "US-NY", ms["New York"].place
    # a parent after a comma still counts on its own
    assert _resolve(gazetteer, "Floods hit Kingston, Jamaica, overnight.")["Kingston"].place.country == "JM"


@pytest.mark.parametrize("text, surface, country, lat, lon", [
    # displacement camps and border crossings (curated): the camp, not a namesake elsewhere
    ("Families fled El Fasher to Zamzam camp, aid workers said.", "Zamzam", "SD", 13.49, 25.31),
    ("Families fled El Fasher in North Darfur for Tawila; aid is flown into Port Sudan.", "Tawila",
     "SD", 13.52, 24.87),  # the Darfur town, not a hamlet in Yemen
    ("Clashes were reported in Kalma camp near Nyala on Tuesday.", "Kalma", "SD", 12.04, 25.02),
    ("Cholera spread in the Ifo and Hagadera camps near Dadaab.", "Ifo", "KE", 0.12, 40.31),
    ("Traders in Ifo, Ogun State, protested against the tax.", "Ifo", "NG", 6.81, 3.20),
    ("A fire swept through Kutupalong camp in Cox's Bazar.", "Kutupalong", "BD", 21.21, 92.16),
    ("Women and children are held in al-Hol camp in northeast Syria.", "al-Hol", "SY", 36.38, 41.15),
    ("Israeli forces raided Nur Shams camp near Tulkarm.", "Nur Shams", "PS", 32.32, 35.06),
    ("Strikes hit Deir al-Balah in central Gaza.", "Deir al-Balah", "PS", 31.42, 34.35),
    ("Aid trucks entered Gaza through Kerem Shalom.", "Kerem Shalom", "IL", 31.23, 34.28),
    ("UN trucks crossed at Bab al-Hawa into Idlib.", "Bab al-Hawa", "SY", 36.23, 36.69),
    # a crossing across the border from the story's only country is no stray hamlet
    ("Afghanistan reopened the Torkham crossing after a week.", "Torkham", "PK", 34.11, 71.08),
])
def test_camps_and_border_crossings(gazetteer, text, surface, country, lat, lon):
    m = _resolve(gazetteer, text)[surface]
    assert m.place is not None and m.place.country == country and _near(m.place, lat, lon, 5), m.place


@pytest.mark.parametrize("text, surface, place_id", [
    # second-level divisions that ISO 3166-2 lists: a Philippine province, a British county
    ("The typhoon made landfall in Eastern Samar on Friday.", "Eastern Samar", "admin2:PH-EAS"),
    ("Police in Maidstone, Kent, said the road was closed.", "Kent", "admin2:GB-KEN"),
])
def test_second_level_divisions(gazetteer, text, surface, place_id):
    assert _resolve(gazetteer, text)[surface].place.id == place_id


def test_a_division_named_like_a_person_is_no_place_alone(gazetteer):
    # "Paul" is a municipality of Cape Verde
    assert "Paul" not in _resolve(gazetteer, "Paul said the road to Goma was open.")


@pytest.mark.parametrize("text, surface, place_id", [
    # a state is as prominent as its people make it: more than a small namesake town
    # (Florida in Uruguay, in Cuba, in New York) ...
    ("Growers in Texas said the Florida season ends earlier.", "Florida", "admin1:US-FL"),
    ("Senator Rubio of Florida spoke in Albany.", "Florida", "admin1:US-FL"),
    # ... but not more than a capital of the name, nor than the town a division is named after
    ("Officials in Washington imposed sanctions on Moscow.", "Washington", "gn:4140963"),
    ("Floods hit Kidal and Gao.", "Kidal", "gn:2455290"),
])
def test_states_by_their_people_capitals_and_towns_first(gazetteer, text, surface, place_id):
    assert _resolve(gazetteer, text)[surface].place.id == place_id


def test_a_division_known_by_another_name_gets_no_prominence_from_its_people(gazetteer):
    # "Atlantic" is also an English name of Colombia's Atlántico department
    m = _resolve(gazetteer, "Storms formed over the Atlantic on Monday.")["Atlantic"]
    assert m.place.kind == "region"


def test_a_world_region_beats_a_small_namesake_in_a_story_about_the_us(gazetteer):
    # "Middle East" is also a neighbourhood of Baltimore (1,900 people in GeoNames)
    found = _resolve(gazetteer, "US President Donald Trump left the summit in Washington early because of "
                                "what is happening in the Middle East, the White House said. Texas and "
                                "Florida officials agreed.")
    assert found["Middle East"].place.kind == "region"


def test_a_name_the_gazetteer_lacks_is_placed_where_the_text_puts_it(gazetteer, caplog):
    with caplog.at_level(logging.WARNING, logger="geomap"):
        mentions = _resolve(gazetteer, "Fighting broke out near Foobarville, about 35 km south of El Obeid.")
    town, place = mentions["El Obeid"].place, mentions["Foobarville"].place
    assert place.name == "Foobarville" and place.country == town.country == "SD"
    assert place.lat == pytest.approx(town.lat - 35 / 110.6, abs=0.01) and place.lon == pytest.approx(town.lon, abs=1e-3)
    assert 0 < mentions["Foobarville"].score < mentions["El Obeid"].score
    assert "Foobarville" not in caplog.text  # placed: no warning
