"""Event extraction rules, on sentences written for these tests, with hand-made places."""
import datetime as dt
from pathlib import Path

import pytest

from geomap.events import extract_events, merge_events
from geomap.layers import load_layers
from geomap.models import Document, Mention, Place

LAYERS = load_layers(Path(__file__).parent.parent / "layers")

PLACES = {
    "Bamako": Place("t:bamako", "Bamako", 12.65, -8.0, "city", "ML", population=1_800_000),
    "Gao": Place("t:gao", "Gao", 16.27, -0.04, "city", "ML", population=87_000),
    "Kidal": Place("t:kidal", "Kidal", 18.44, 1.41, "city", "ML", population=25_000),
    "Mopti": Place("t:mopti", "Mopti", 14.49, -4.2, "city", "ML", population=100_000),
    "Mali": Place("country:ML", "Mali", 17.0, -4.0, "country", "ML"),
    "Niger": Place("country:NE", "Niger", 17.6, 8.1, "country", "NE"),
    "Timbuktu": Place("t:timbuktu", "Timbuktu", 16.77, -3.0, "city", "ML"),
    "Tillabéri": Place("t:tillaberi", "Tillabéri", 14.2, 1.45, "admin1", "NE"),
    "BAMAKO": Place("t:bamako", "Bamako", 12.65, -8.0, "city", "ML", population=1_800_000),
    "Niamey": Place("t:niamey", "Niamey", 13.51, 2.11, "city", "NE"),
    "Malian": Place("country:ML", "Mali", 17.0, -4.0, "country", "ML"),
    "Nigerien": Place("country:NE", "Niger", 17.6, 8.1, "country", "NE"),
    "Africa": Place("continent:AF", "Africa", 7.19, 21.09, "region"),
}


class FakeGazetteer:
    capitals = {"ML": PLACES["Bamako"], "NE": PLACES["Niamey"]}

    def capital(self, code):
        return self.capitals.get(code)


def doc_with_places(text, published=dt.date(2024, 6, 10)):
    doc = Document(id="t-1", source="t.txt", text=text, published=published)
    mentions = []
    for name, place in PLACES.items():
        start = 0
        while (i := text.find(name, start)) >= 0:
            end = i + len(name)
            if (i == 0 or not text[i - 1].isalpha()) and (end == len(text) or not text[end].isalpha()):
                role = "demonym" if name.endswith("an") or name.endswith("ien") else "name"
                mentions.append(Mention(doc.id, i, end, name, (place,), place, 1.0, role))
            start = end
    return doc, sorted(mentions, key=lambda m: m.start)


def events_of(text, today=None, **kw):
    doc, mentions = doc_with_places(text, **kw)
    return extract_events(doc, mentions, LAYERS, FakeGazetteer(), today=today)


def summary(events):
    return sorted((e.event_type, e.place) for e in events)


@pytest.mark.parametrize("text, expected", [
    ("Jihadist fighters seized Kidal on June 3.", [("control", "Kidal")]),
    ("Ministers met in Bamako on Monday to discuss the crisis.", [("meeting", "Bamako")]),
    ("Drone strikes hit Gao overnight.", [("clash", "Gao")]),
    ("Thousands of families fled Mopti after the fighting.", [("clash", "Mopti"), ("humanitarian", "Mopti")]),
    # a meeting needs a venue: a country is not one
    ("Officials met in Mali to discuss security.", []),
    # the finer place wins over the country that contains it
    ("Rebels captured Kidal in northern Mali.", [("control", "Kidal")]),
    # a province is finer than the part of its country around it
    ("Thousands were displaced in western Niger after floods hit Tillabéri.", [("humanitarian", "Tillabéri")]),
    # a bearing names a reference point, not a venue
    ("Talks were held in Gao, north of Bamako, last week.", [("meeting", "Gao")]),
    # words in a "X said" attribution are not triggers
    ("Aid agencies said the talks in Gao had stalled.", [("meeting", "Gao")]),
    # no trigger, no event
    ("Bamako is the capital of Mali.", []),
])
def test_sentence_rules(text, expected):
    assert summary(events_of(text)) == expected


@pytest.mark.parametrize("text, expected", [
    # a "where" clause after the place speaks of it: two events at one place
    ("Fighters besieged the town of Mopti, where thousands of displaced people sought refuge.",
     [("clash", "Mopti"), ("humanitarian", "Mopti")]),
    # any other comma still ends the clause
    ("Fighters besieged Mopti, and thousands of displaced people reached the capital.",
     [("clash", "Mopti")]),
])
def test_a_where_clause_attaches_to_its_place(text, expected):
    assert summary(events_of(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Thousands were displaced by floods across Africa.", []),
    ("Firefighters from across Africa helped evacuate Gao.", [("humanitarian", "Gao")]),
])
def test_no_event_sits_at_a_continent(text, expected):
    assert summary(events_of(text)) == expected


def test_route_with_two_named_ends_is_a_line():
    (ev,) = events_of("The road from Gao to Kidal was reopened to traffic on June 4.")
    assert ev.event_type == "supply_route" and ev.geometry_kind == "line"
    assert ev.coords == ((16.27, -0.04), (18.44, 1.41))
    assert ev.place == "Gao \u2013 Kidal" and ev.date == dt.date(2024, 6, 4)
    assert (ev.place_start, ev.place_end) == (14, 26)  # "Gao to Kidal"


@pytest.mark.parametrize("text", ["Gunmen blocked the Gao-Kidal road on June 4.",
                                  "Gunmen blocked the Gao \u2013 Kidal highway on June 4."])
def test_a_road_named_by_its_two_ends_is_a_line(text):
    (ev,) = events_of(text.replace(" on June 4", " near Kidal on June 4"))  # one event, not one more at an end
    assert ev.event_type == "supply_route" and ev.geometry_kind == "line"
    assert ev.coords == ((16.27, -0.04), (18.44, 1.41))


def test_call_without_venue_is_an_inferred_line_between_capitals():
    (ev,) = events_of("Malian President Assimi Goita spoke with Nigerien President Abdourahamane Tiani on Friday.")
    assert ev.event_type == "meeting" and ev.inferred and ev.precision == "inferred"
    assert ev.coords == ((12.65, -8.0), (13.51, 2.11))
    assert "capitals" in ev.note


def test_dates_carry_over_within_a_paragraph_only():
    text = ("Leaders met in Niamey on June 3. They agreed on a plan:\n- reopening of the road to Gao\n"
            "Separately, fighters seized Kidal.")
    events = {e.place: e for e in events_of(text)}
    assert events["Niamey"].date == dt.date(2024, 6, 3)
    assert events["Gao"].date == dt.date(2024, 6, 3)  # a list item of the same paragraph
    assert events["Kidal"].date is None  # a new paragraph


def test_repeated_reports_are_merged_and_different_dates_are_not():
    events = events_of("Fighters seized Kidal on June 3. The seizure of Kidal was confirmed; fighters captured Kidal.\n"
                       "Jihadists attacked Gao on May 2. They attacked Gao again on May 20.")
    kinds = summary(events)
    assert kinds.count(("control", "Kidal")) == 1
    assert kinds.count(("clash", "Gao")) == 2
    kidal = next(e for e in events if e.place == "Kidal")
    assert kidal.mentions >= 2 and kidal.date == dt.date(2024, 6, 3)


def test_event_ids_are_stable_and_unique():
    text = "Fighters seized Kidal on June 3. Ministers met in Bamako on June 4."
    a, b = events_of(text), events_of(text)
    assert [e.id for e in a] == [e.id for e in b]
    assert len({e.id for e in a}) == len(a)


def test_merge_keeps_first_evidence():
    events = events_of("Fighters seized Kidal. Fighters captured Kidal on June 3.")
    (ev,) = merge_events(events)
    assert ev.evidence == "Fighters seized Kidal." and ev.date == dt.date(2024, 6, 3)


def test_an_inferred_call_never_merges_with_a_located_meeting():
    text = ("Malian President Assimi Goita spoke with Nigerien President Abdourahamane Tiani.\n"
            "Nigerien President Abdourahamane Tiani spoke with his ministers. Ministers met in Niamey on June 3.")
    located = [e for e in events_of(text) if e.place == "Niamey" and not e.inferred]
    assert located and located[0].date == dt.date(2024, 6, 3)


def test_a_date_in_a_clause_about_something_else_is_not_the_events():
    events = {e.place: e for e in events_of("Keita, who flew in on Saturday, chaired a meeting in Bamako on Sunday.")}
    assert events["Bamako"].event_type == "meeting" and events["Bamako"].date == dt.date(2024, 6, 9)


@pytest.mark.parametrize("text, expected", [
    # a lead that puts its news only in the dateline town's country: the dateline's town
    ("BAMAKO, June 3 (Reuters) - Thousands were displaced in Mali on Monday.", [("humanitarian", "Bamako")]),
    ("BAMAKO, June 3 (Reuters) - Thousands were displaced in northern Mali on Monday.",
     [("humanitarian", "Bamako")]),
    # ... or says only that it happened in that country
    ("BAMAKO, June 3 (Reuters) - Army officers in Mali said they had seized power.", [("control", "Bamako")]),
    ("BAMAKO, June 3 (Reuters) - Gunmen killed 28 soldiers in an attack, Mali's army said.", []),
    # not when it names a town, or another country
    ("BAMAKO, June 3 (Reuters) - Thousands fled Gao on Monday.", [("humanitarian", "Gao")]),
    ("BAMAKO, June 3 (Reuters) - Thousands were displaced in Niger on Monday.", [("humanitarian", "Niger")]),
    # nor after the lead
    ("BAMAKO, June 3 (Reuters) - Talks began. Thousands were displaced in Mali on Monday.",
     [("humanitarian", "Mali")]),
])
def test_the_dateline_town_hosts_a_lead_that_names_only_its_country(text, expected):
    assert summary(events_of(text)) == expected


def test_a_bearing_and_a_country_make_a_region():
    (ev,) = events_of("Heavy fighting continued in northern Mali on June 2.")
    assert ev.event_type == "clash" and ev.place == "northern Mali"
    assert ev.precision == "admin1" and ev.place_id == "country:ML:north"
    lat, lon = ev.coords[0]
    assert lat > 19.0 and -12.0 < lon < 4.5  # the northern third of Mali, not its middle (17.0, -4.0)


@pytest.mark.parametrize("text, expected", [
    ("conflict in eastern ", "east"), ("in north-eastern ", "northeast"), ("in Southern ", "south"),
    ("in central ", "central"), ("the Eastern Province ", None), ("westerners ", None), ("", None),
])
def test_bearing_words(text, expected):
    from geomap.regions import bearing_of

    assert bearing_of(text) == expected


def test_an_event_date_wins_over_a_reporting_date():
    (ev,) = events_of("Kidal fell to the fighters, officials said on Monday, in an assault on May 30.")
    assert ev.event_type == "control" and ev.date == dt.date(2024, 5, 30)  # the nearer Monday is when they spoke
    (ev,) = events_of("Fighters have blockaded Timbuktu since May, residents said on Monday.")
    assert ev.date == dt.date(2024, 6, 10) and ev.date_text == "Monday"  # no other date: the report's


def test_a_dateline_dates_the_story_and_names_no_actor_or_venue():
    text = "BAMAKO, Mali, June 3, 2023 (Reuters) - Jihadists attacked Gao on Saturday, killing 12."
    (ev,) = events_of(text, published=None)
    assert ev.event_type == "clash" and ev.place == "Gao"
    assert ev.date == dt.date(2023, 6, 3)  # that Saturday is the dateline's own day
    assert not {"BAMAKO", "Reuters", "Mali"} & set(ev.actors)


def test_countries_that_act_are_actors():
    (ev,) = events_of("Mali struck rebel positions near Kidal on Monday.")
    assert ev.event_type == "clash" and ev.place == "Kidal" and ev.actors == ("Mali",)
    (ev,) = events_of("Niger began its offensive on Gao on Monday.")
    assert ev.event_type == "clash" and ev.place == "Gao" and "Niger" in ev.actors
    # a country where something happens, and one whose forces act, are not named as acting
    (ev,) = events_of("Thousands of refugees fled to Mali on Monday.")
    assert "Mali" not in ev.actors
    # ... and "the battle for Gao began" is no government's act
    (ev,) = events_of("The battle for Gao began in June.")
    assert ev.place == "Gao"


def test_people_named_again_by_surname_are_actors():
    text = ("President Daniel Noboa declared a state of emergency on Monday. "
            "Noboa, who took office in November, met the chiefs of the armed forces in Bamako on Tuesday.")
    (ev,) = events_of(text)
    assert ev.event_type == "meeting" and ev.actors[0] == "Daniel Noboa"
    # a possessive surname too
    (ev,) = events_of("President Daniel Noboa spoke on Monday. Noboa's envoys met in Bamako on Tuesday.")
    assert ev.actors == ("Daniel Noboa",)
    # a capitalised word that no title gave as a surname stays no actor
    (ev,) = events_of("Ministers from Noboa and elsewhere met in Bamako on Tuesday.")
    assert "Noboa" not in ev.actors


def test_a_yearless_dateline_is_not_dated_by_a_year_the_text_mentions():
    text = "BAMAKO, June 3 (AFP) - Jihadists, active since 2012, attacked Gao on Monday."
    (ev,) = events_of(text, published=None, today=dt.date(2024, 11, 28))
    assert ev.date == dt.date(2024, 6, 3)  # a Monday this year; not 2011 (the June 3 before "2012")


@pytest.mark.parametrize("lead, today, expected", [
    # June 3 was a Saturday in 2023, a Monday in 2024: the lead's weekday picks the year
    ("Jihadists attacked Gao on Saturday, killing 12.", dt.date(2024, 11, 28), dt.date(2023, 6, 3)),
    ("Jihadists attacked Gao on Monday, killing 12.", dt.date(2024, 11, 28), dt.date(2024, 6, 3)),
    # the latest such year that is not after today (June 3 is a Saturday in 2028 too)
    ("Jihadists attacked Gao on Saturday, killing 12.", dt.date(2029, 1, 5), dt.date(2028, 6, 3)),
    # other days of the story count back from the filing day
    ("Families mourned on Saturday the 12 people killed when jihadists attacked Gao on Thursday.",
     dt.date(2024, 11, 28), dt.date(2023, 6, 1)),
    # no plain weekday in the lead: the year it is read in
    ("Jihadists attacked Gao last Saturday, killing 12.", dt.date(2024, 11, 28), dt.date(2024, 6, 1)),
])
def test_a_yearless_dateline_takes_the_year_whose_day_is_the_leads_weekday(lead, today, expected):
    (ev,) = [e for e in events_of(f"BAMAKO, June 3 (Reuters) - {lead}", published=None, today=today)
             if e.place == "Gao"]
    assert ev.date == expected


def test_a_full_date_in_the_text_outweighs_the_leads_weekday():
    text = ("Published 3 June 2024\n\n"
            "BAMAKO, Jun 3 (AFP) - Jihadists attacked Gao on Saturday, killing 12.")
    (ev,) = events_of(text, published=None, today=dt.date(2026, 11, 28))
    assert ev.date == dt.date(2024, 6, 1)  # the Saturday before Monday 3 June 2024


def test_a_dateline_with_the_day_first_in_capitals():
    text = "BAMAKO, 3 JUNE 2023 - Jihadists attacked Gao on Saturday, killing 12."
    (ev,) = events_of(text, published=None)
    assert ev.event_type == "clash" and ev.place == "Gao"
    assert ev.date == dt.date(2023, 6, 3)


def test_a_dateline_after_a_headline_is_neither_venue_nor_actor():
    text = ("Published 3 June 2023\n\nJihadists strike Gao\n\n"
            "BAMAKO, Jun 3 (AFP) - Jihadists attacked Gao on Saturday, killing 12.")
    (ev,) = events_of(text, published=None)
    assert ev.event_type == "clash" and ev.place == "Gao"
    assert ev.date == dt.date(2023, 6, 3)  # "Published" gives the year, the dateline its day
    assert not {"BAMAKO", "AFP"} & set(ev.actors)


def test_a_live_blog_entry_takes_the_documents_date():
    text = ("Live coverage, 10 June 2024.\n\n08:05\nJihadists attacked Gao.\n\n"
            "09:20 - Fighters seized Kidal on Saturday.\n\nBackground: ministers met in Bamako.")
    events = {e.place: e for e in events_of(text)}
    assert events["Gao"].date == dt.date(2024, 6, 10)  # the time-stamped entry's day
    assert events["Kidal"].date == dt.date(2024, 6, 8)  # its own date
    assert events["Bamako"].date is None  # no time stamp: undated stays undated


@pytest.mark.parametrize("text, expected", [
    # parties are not venues; the country the text puts the event in is
    ("A ceasefire between Mali and Niger took effect in Niger on Monday, after talks brokered by Mali.",
     [("ceasefire", "Niger")]),
    ("Thousands of refugees fled to Mali and Niger.", [("humanitarian", "Mali"), ("humanitarian", "Niger")]),
    ("Mali accused Niger of shelling.", []),
])
def test_countries_are_venues_only_when_introduced_as_locations(text, expected):
    assert summary(events_of(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("An earthquake struck Mopti on June 2, killing dozens.", [("humanitarian", "Mopti")]),
    ("Floods killed 40 people in Gao.", [("humanitarian", "Gao")]),
    ("Talks were held in Niamey, where Bamako agreed to a truce.", [("meeting", "Niamey")]),
    ("Bamako has denied that its troops attacked Kidal.", [("clash", "Kidal")]),
    # a place that names another, or that one deals with, is a government
    ("Troops entered Kidal, which Bamako calls a terrorist haven, on Sunday.", [("control", "Kidal")]),
    ("The rebels signed a truce with Bamako in Gao.", [("ceasefire", "Gao")]),
    ("The rebels signed a truce with Bamako.", []),
    # "meeting resistance" and a clinic's consultations are no meetings
    ("Soldiers entered Gao without meeting resistance.", [("control", "Gao")]),
    ("Mobile teams carried out 2,400 consultations in Mopti.", []),
    ("The envoys held consultations in Niamey.", [("meeting", "Niamey")]),
    # a list of capitals before a government's verb names governments
    ("Bamako and Niamey launched a joint offensive near Gao.", [("clash", "Gao")]),
    # a state of siege is a legal measure, not fighting
    ("Mopti has been under a state of siege since May.", []),
    ("Fighters laid siege to Mopti in May.", [("clash", "Mopti")]),
    # "were also reported" is no attribution: its words still count
    ("Several explosions were also reported in Gao on Sunday.", [("clash", "Gao")]),
    # flights stopped or resumed are a supply route; shortages are humanitarian
    ("The airline suspended all flights to Gao on Monday.", [("supply_route", "Gao")]),
    ("Flights to Mopti were halted on Monday.", [("supply_route", "Mopti")]),
    ("The hospital in Gao is running short of blood and oxygen.", [("humanitarian", "Gao")]),
    # unrest: fighters who try to storm a building, riots, tear gas, roadside bombs
    ("Protesters tried to storm the parliament in Gao on Friday.", [("clash", "Gao")]),
    ("Police fired tear gas at rioters in Mopti.", [("clash", "Mopti")]),
    ("A roadside bomb hit a police vehicle near Gao.", [("clash", "Gao")]),
    # ... while a storm that hits is a hazard
    ("A tropical storm killed six in Mopti and thousands were displaced.", [("humanitarian", "Mopti")]),
    # a locative puts someone in the place: "the authorities in Gao ordered" is no government
    ("The authorities in Gao ordered the evacuation of thousands of displaced families.", [("humanitarian", "Gao")]),
    ("Bamako ordered the evacuation of thousands of displaced families.", []),
    # "Bamako's forces" are a party
    ("Bamako's forces attacked rebel positions near Kidal.", [("clash", "Kidal")]),
    # more wordings: an exchange of fire, a roadblock, a road under water
    ("Soldiers exchanged fire with gunmen near Gao on Monday.", [("clash", "Gao")]),
    ("Protesters set up a roadblock on the road to Gao.", [("supply_route", "Gao")]),
    ("The road to Mopti is under water.", [("supply_route", "Mopti")]),
    # coming under fire, mortars; search and rescue
    ("A UN patrol came under fire near Gao on Monday.", [("clash", "Gao")]),
    ("Mortar shells landed in Kidal overnight.", [("clash", "Kidal")]),
    ("Search and rescue operations continue in Mopti.", [("humanitarian", "Mopti")]),
    ("The village of Kidal was still searching for five missing residents after a flash flood.",
     [("humanitarian", "Kidal")]),
    # the object of an accusation is a party; where someone spoke, or a party's branch, is no venue
    ("Bamako has accused Niamey of hosting foreign troops.", []),
    ("Evacuations continue in Gao as Bamako and Niamey trade blame.", [("humanitarian", "Gao")]),
    ("The minister told reporters in Niamey that fighting broke out in Gao.", [("clash", "Gao")]),
    ("The group's affiliate in Mopti claimed the attack on Gao.", [("clash", "Gao")]),
    # where a speaker works is no venue
    ("A spokeswoman for the U.N. office (OCHA) in Niamey, said on Tuesday that aid had reached Gao.",
     [("humanitarian", "Gao")]),
    ("Aid trucks reached Niamey, said a spokeswoman for the U.N. office.", [("humanitarian", "Niamey")]),
    # where a statement was issued, where helpers came from, what a meeting was about
    ("Fighters attacked Gao, said a statement issued in Bamako.", [("clash", "Gao")]),
    ("Rescue teams from Niamey are working in Gao, where thousands were displaced.", [("humanitarian", "Gao")]),
    ("Rescuers from Niamey and Bamako are working in Gao, where thousands were displaced.",
     [("humanitarian", "Gao")]),
    ("Leaders meeting in Niamey discussed the reconstruction of Gao.", [("meeting", "Niamey")]),
    # where returnees come from
    ("Mali struggles to house thousands of refugees forced back from Niger and Algeria.", []),
    # a court's seat; a place that names an organisation or an accord
    ("Fighting spread to Gao, which the International Court of Justice in Bamako awarded to Mali.",
     [("clash", "Gao")]),
    ("Leaders met on the sidelines of the Bamako Cooperation Organisation in Niamey.", [("meeting", "Niamey")]),
    ("Fighters attacked Gao in breach of the Bamako Agreement.", [("clash", "Gao")]),
    ("Ministers of the \"Bamako format\" countries will meet in Niamey.", [("meeting", "Niamey")]),
    ("Fighters attacked Gao in breach of the Bamako agreement.", [("clash", "Gao")]),
    # a place that names a war
    ("Mali and Niger became allies during the Gao war, when troops fought side by side.", []),
    ("Fighting spread across the Gao conflict zone.", [("clash", "Gao")]),
    # a place that locates another ("Putrajaya, outside Kuala Lumpur") is no second venue
    ("Ministers met in Kidal, just outside Gao, on Monday.", [("meeting", "Kidal")]),
    ("Gao airport near Kidal remains closed to all flights.", [("supply_route", "Gao")]),
    ("Shelters were set up in the Kidal district of Gao.", [("humanitarian", "Kidal")]),
    ("Shelters were set up in the village of Kidal, in Gao province.", [("humanitarian", "Kidal")]),
    ("Jihadists clashed with soldiers near Kidal, on the road to Gao.", [("clash", "Kidal")]),
    ("Jihadists clashed with soldiers on the road to Gao.", [("clash", "Gao")]),  # the only place
    # ... or the one named before it is not known: the road's end is the best there is
    ("Jihadists seized Kidal and fought their way into Foobaru, on the road to Gao.",
     [("clash", "Gao"), ("control", "Kidal")]),
    ("Shelters went up in Kidal, 300 km (186 miles) north-east of the town of Gao.", [("humanitarian", "Kidal")]),
    # a contrastive clause after the place speaks of something else
    ("Leaders signed a pledge in Gao to cease hostilities, but fighting resumed within weeks.",
     [("ceasefire", "Gao")]),
    ("Residents of Gao stayed home, but fighting resumed elsewhere.", []),
    ("Shelters were set up in Mopti, in Kidal and in Gao.",
     [("humanitarian", "Gao"), ("humanitarian", "Kidal"), ("humanitarian", "Mopti")]),
    # a place taken over; not a post, nor a try
    ("Fighters took over the administration of Gao on Tuesday.", [("control", "Gao")]),
    ("The colonel took over as president in Bamako.", []),
    ("Troops tried to take over the airport in Gao.", []),
    ("Keita took over in 2009 in Gao.", []),
    ("Army officers said they had seized power in Bamako on Monday.", [("control", "Bamako")]),
    # a building stormed is attacked; a town stormed is taken
    ("Gunmen stormed a secondary school in Gao on Friday.", [("clash", "Gao")]),
    ("Rebels stormed Gao on Friday.", [("control", "Gao")]),
    # fighting a fire is no fighting
    ("Crews were fighting the fires near Gao.", []),
    # where help came from is no venue
    ("A plane carrying relief supplies from Bamako landed in Gao on Monday.", [("humanitarian", "Gao")]),
    # a place whose position or envoy it is, is a government
    ("Bamako's position is that convoys can use the road to Gao.", [("supply_route", "Gao")]),
    ("Gunmen attacked Gao as Bamako's envoy arrived.", [("clash", "Gao")]),
    # a place that revises a toll is a government
    ("A ceasefire held in Gao as Bamako raised its death toll to 40.", [("ceasefire", "Gao")]),
    # a quake is a hazard (humanitarian, never a clash), and so are homes destroyed
    ("The quake killed 40 people in Gao.", [("humanitarian", "Gao")]),
    ("Homes destroyed in Mopti left hundreds homeless.", [("humanitarian", "Mopti")]),
    # the places hit hardest
    ("The hardest-hit districts are Gao and Kidal.", [("humanitarian", "Gao"), ("humanitarian", "Kidal")]),
    ("Mopti was badly hit.", [("humanitarian", "Mopti")]),
    # help that gets through
    ("Teams reached Kidal for the first time on Tuesday.", [("humanitarian", "Kidal")]),
])
def test_hazards_are_not_clashes_and_governments_are_not_venues(text, expected):
    assert summary(events_of(text)) == expected


@pytest.mark.parametrize("text, expected", [
    # a report on a disaster (its lead names one): killing and striking are the hazard's work,
    # and its dead are its toll
    ("A cyclone hit the coast on Monday. At least 40 people were killed in Gao. It struck Mopti "
     "on Tuesday.", [("humanitarian", "Gao")]),
    ("A blaze spread through the hills on Monday. The fire killed 15 people in Gao.", [("humanitarian", "Gao")]),
    ("Floods swept the valley on Monday. A man in Kidal died when his roof collapsed.", [("humanitarian", "Kidal")]),
    # ... but fighting still is fighting
    ("A cyclone hit the coast on Monday. Gunmen attacked Gao on Tuesday.", [("clash", "Gao")]),
    # a report on fighting keeps its dead
    ("Rebels advanced on Monday. At least 40 people were killed in Gao.", [("clash", "Gao")]),
    # a "lightning offensive" is no lightning
    ("Rebels launch a lightning offensive\nFighters attacked Gao on Monday. Eight people "
     "were killed in Mopti.", [("clash", "Gao"), ("clash", "Mopti")]),
])
def test_a_disaster_report_kills_without_clashes(text, expected):
    assert summary(events_of(text)) == expected


def test_weak_triggers_are_declarative(tmp_path):
    (tmp_path / "clash.yaml").write_text(
        "id: clash\nlabel: Clashes\ntriggers: [killed, attack*]\nunless_any: [flood*]\n"
        "weak_triggers: [killed]\n", encoding="utf-8")
    (layer,) = load_layers(tmp_path)
    from geomap.layers import LayerMatcher

    matcher = LayerMatcher(layer)
    assert matcher.quiet_in("Floods swept the valley.") and not matcher.quiet_in("Rebels advanced.")
    sentence = "Gunmen attacked the town and killed six."
    assert len(matcher.triggers(sentence)) == 2
    assert [sentence[a:b] for a, b in matcher.triggers(sentence, weak=False)] == ["attacked"]


def test_lead_triggers_are_declarative(tmp_path):
    (tmp_path / "aid.yaml").write_text(
        "id: aid\nlabel: Aid\ntriggers: [displaced]\nlead_triggers: [died]\nlead_any: [flood*]\n",
        encoding="utf-8")
    (layer,) = load_layers(tmp_path)
    from geomap.layers import LayerMatcher

    matcher = LayerMatcher(layer)
    assert matcher.loud_in("Floods swept the valley.") and not matcher.loud_in("Rebels advanced.")
    sentence = "Six died and hundreds were displaced."
    assert [sentence[a:b] for a, b in matcher.triggers(sentence)] == ["displaced"]
    assert [sentence[a:b] for a, b in matcher.triggers(sentence, lead=True)] == ["died", "displaced"]


def test_unless_any_is_declarative(tmp_path):
    (tmp_path / "protest.yaml").write_text(
        "id: protest\nlabel: Protests\ntriggers: [protest*]\nunless_any: [protestant*]\n", encoding="utf-8")
    (layer,) = load_layers(tmp_path)
    from geomap.layers import LayerMatcher

    assert LayerMatcher(layer).triggers("Protesters marched in Gao.")
    assert not LayerMatcher(layer).triggers("Protestant churches held protests in Gao.")


def test_layer_matchers_are_kept_across_documents():
    from geomap.events import layer_matchers
    from geomap.layers import load_layers

    layers = load_layers()
    first, again = layer_matchers(layers), layer_matchers(layers)
    assert all(a is b for a, b in zip(first, again))
    assert [m.layer for m in first] == layers
    reloaded = load_layers()
    assert all(m.layer is layer for m, layer in zip(layer_matchers(reloaded), reloaded))


@pytest.mark.parametrize("text, expected", [
    # "there": the last town the sentence just before named
    ("The envoy left Gao for Bamako. He met the president there on Saturday.", [("meeting", "Bamako")]),
    # not "there were", not across paragraphs, and not when that sentence named no town
    ("The envoy left Gao for Bamako. There were talks on Saturday.", []),
    ("The envoy flew to Bamako.\n\nHe met the president there on Saturday.", []),
    ("The envoy flew to Mali. He met the president there on Saturday.", []),
])
def test_there_is_the_town_just_named(text, expected):
    events = events_of(text)
    assert summary(events) == expected
    for e in events:
        assert text[e.place_start:e.place_end] == "there"


@pytest.mark.parametrize("text, expected", [
    # "the town" in a sentence with no place of its own is the town named just before
    ("Drone strikes hit Gao on Saturday. Many residents fled the town, officials said.",
     [("clash", "Gao"), ("humanitarian", "Gao")]),
    # not across paragraphs, and not when the sentence before named two towns
    ("Drone strikes hit Gao on Saturday.\n\nMany residents fled the town.", [("clash", "Gao")]),
    ("Drone strikes hit Gao and Mopti. Many residents fled the town.", [("clash", "Gao"), ("clash", "Mopti")]),
    # "the district capital in <its country>": the town named just before, not the country
    ("Fighters walked into Gao on Friday. They seized the district capital in northern Mali.",
     [("control", "Gao")]),
    # ... but not when the area named is elsewhere
    ("Fighters walked into Gao on Friday. Many residents fled the town to Niger.",
     [("humanitarian", "Niger")]),
])
def test_the_town_refers_back_to_the_town_just_named(text, expected):
    assert summary(events_of(text)) == expected


@pytest.mark.parametrize("text, expected", [
    # "the capital", unnamed: the capital of the document's main country ...
    ("Fighters attacked Gao and Kidal. Ministers met in the capital on Monday.",
     [("clash", "Gao"), ("clash", "Kidal"), ("meeting", "Bamako")]),
    # ... or of the one country the sentence names
    ("Fighters attacked Gao. Crowds marched in the capital of Niger. Refugees reached the capital in Niger.",
     [("clash", "Gao"), ("humanitarian", "Niamey")]),
    # not where someone spoke, and not when a town is named
    ("Fighters attacked Gao and Kidal. The minister told reporters in the capital that talks failed.",
     [("clash", "Gao"), ("clash", "Kidal")]),
    ("Fighters attacked Gao and Kidal. Ministers met in Mopti, far from the capital, on Monday.",
     [("clash", "Gao"), ("clash", "Kidal"), ("meeting", "Mopti")]),
])
def test_the_capital_is_the_capital_of_the_country_in_question(text, expected):
    events = events_of(text)
    assert summary(events) == expected
    for e in events:
        if e.place in ("Bamako", "Niamey"):  # read from the words "the capital"
            assert text[e.place_start:e.place_end] == "the capital"


def test_a_back_reference_marks_the_words_it_was_read_from():
    text = "Drone strikes hit Gao on Saturday. Many residents fled the town."
    doc, mentions = doc_with_places(text)
    fled = [e for e in extract_events(doc, mentions, LAYERS, FakeGazetteer()) if e.event_type == "humanitarian"]
    assert [text[e.place_start:e.place_end] for e in fled] == ["the town"]


def test_event_actors_take_their_canonical_names_from_the_whole_document():
    text = ("Interim President Assimi Goita spoke on Tuesday. The Economic Community of West African States "
            "(ECOWAS) sent envoys.\n\nThe talks went on.\n\nPresident Goita met the Economic Community of West African "
            "States delegation in Bamako.")
    (event,) = events_of(text)
    assert event.event_type == "meeting" and event.actors == (
        "Assimi Goita", "Economic Community of West African States (ECOWAS)")


def test_reading_some_sentences_for_actors_gives_what_reading_all_does():
    from geomap.events import _DocContext
    from geomap.sentences import split_sentences
    text = ("Interim President Assimi Goita spoke on Tuesday. The Economic Community of West African States "
            "(ECOWAS) sent envoys. M23 rebels and Hamas. Goita met the Economic Community of West African "
            "States delegation in Bamako. Nigerien officials said Goita and Mr. Bazoum spoke by phone.")
    doc, mentions = doc_with_places(text)
    sentences = split_sentences(text)
    every = _DocContext(doc, sentences, mentions, None).actors_of({s.start for s in sentences})
    # "Goita", named in full after a title before; "Economic Community of West African States"
    assert every[sentences[3].start] == ("Assimi Goita", "Economic Community of West African States (ECOWAS)")
    for s in sentences:
        assert _DocContext(doc, sentences, mentions, None).actors_of({s.start}) == {s.start: every[s.start]}


def test_closing_attributions_are_found_where_a_full_search_finds_them():
    import random
    import re

    from geomap.events import _SAYS_AT_END, _TRAILING_ATTRIBUTION, _attribution_start

    def searched(text):
        if _SAYS_AT_END.search(text) or re.search(r"\baccording\s+to\b[^,;]*$", text, re.IGNORECASE):
            m = _TRAILING_ATTRIBUTION.search(text)
            if m:
                return m.start()
        return len(text)

    pieces = ["said", "SAID", "\u017fays", "reported", "told", " ", ",", ";", ".", '"', "\n", "according", "to",
              "x", "unsaid", "_", "\u00e9", "!", "officials"]
    rnd = random.Random(5)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) + rnd.choice(["", " ", "."]) for _ in range(rnd.randint(0, 8)))
        assert _attribution_start(text) == searched(text), text


def _with_unknown(text, name):
    """The document and its mentions, plus ``name`` as a name the gazetteer does not know."""
    doc, mentions = doc_with_places(text)
    start = text.index(name)
    return doc, sorted([*mentions, Mention(doc.id, start, start + len(name), name)], key=lambda m: m.start)


@pytest.mark.parametrize("phrase, km, bearing", [
    ("Kazgil, about 35 km south of Bamako", 35.0, 180.0),
    ("Kazgil, 30 miles (48 km) north-east of Bamako", 30 * 1.609344, 45.0),
    ("Kazgil, some 12 kilometres west of the town of Bamako", 12.0, 270.0),
])
def test_an_unknown_name_is_placed_by_distance_and_bearing_from_a_town(phrase, km, bearing):
    from geopy.distance import geodesic

    from geomap.resolve import place_by_offsets

    doc, mentions = _with_unknown(f"Jihadists attacked an army post near {phrase} on Monday.", "Kazgil")
    placed = place_by_offsets(doc, mentions)
    (kazgil,) = [m for m in placed if m.surface == "Kazgil"]
    bamako = PLACES["Bamako"]
    assert geodesic((bamako.lat, bamako.lon), (kazgil.place.lat, kazgil.place.lon)).km == pytest.approx(km, abs=0.05)
    assert kazgil.place.name == "Kazgil" and kazgil.place.country == "ML"
    (ev,) = extract_events(doc, placed, LAYERS, FakeGazetteer())
    assert ev.place == "Kazgil" and ev.precision == "near" and ev.coords == ((kazgil.place.lat, kazgil.place.lon),)
    assert ev.note == f"{phrase.partition(', ')[2]}, as the text puts it"  # "about 35 km south of Bamako"
    # the bearing: south lowers the latitude, east raises the longitude, and so on
    d_lat, d_lon = kazgil.place.lat - bamako.lat, kazgil.place.lon - bamako.lon
    assert (d_lat > 0.01, d_lat < -0.01, d_lon > 0.01, d_lon < -0.01) == (
        bearing in (0.0, 45.0), bearing == 180.0, bearing in (45.0, 90.0), bearing == 270.0)


@pytest.mark.parametrize("text", [
    "Jihadists attacked an army post near Kazgil, about 35 km south of Mali.",  # a country: no point to count from
    "Jihadists attacked an army post near Kazgil, about 900 km south of Bamako.",  # too far to say
    "Jihadists attacked an army post near Kazgil, south of Bamako.",  # no distance
    "Jihadists attacked an army post near Kazgil on Monday, about 35 km south of Bamako.",  # not right after it
])
def test_no_point_without_a_distance_and_bearing_from_a_town(text):
    from geomap.resolve import place_by_offsets

    doc, mentions = _with_unknown(text, "Kazgil")
    (kazgil,) = [m for m in place_by_offsets(doc, mentions) if m.surface == "Kazgil"]
    assert kazgil.place is None


def test_a_known_name_keeps_its_place_whatever_distance_the_text_gives():
    from geomap.resolve import place_by_offsets

    doc, mentions = doc_with_places("Jihadists attacked Gao, about 35 km south of Bamako.")
    assert place_by_offsets(doc, mentions) == mentions
