import pytest

from geomap.actors import _RE_PAREN_ACRONYM, _spelled_out, canonical_actors, find_actors

# (sentence, expected names (subset of those found), forbidden names)
CASES = [
    # people after titles
    ("Secretary of State Marco Rubio spoke with Kenyan President William Ruto.",
     {"Marco Rubio", "William Ruto"}, {"Secretary", "President", "Kenyan", "Secretary of State"}),
    ("Both President Ruto and Secretary Rubio reaffirmed their commitment.",
     {"Ruto", "Rubio"}, {"Both", "President", "Secretary"}),
    ("Prime Minister Ariel Henry, who has been unable to return home, said he would step down.",
     {"Ariel Henry"}, {"Prime Minister"}),
    ("Leaders met with US Secretary of State Antony Blinken to agree on a plan.",
     {"Antony Blinken"}, {"US", "Leaders"}),
    ("President Volodymyr Zelensky appealed for more artillery shells.",
     {"Volodymyr Zelensky"}, set()),
    ("Ukraine's new commander-in-chief, Oleksandr Syrskyi, ordered his troops to withdraw.",
     {"Oleksandr Syrskyi"}, {"his troops", "troops"}),
    ("The Secretary said on Monday that the President would travel.",
     set(), {"Secretary", "President", "Monday", "The"}),
    # organisations
    ("A statement from the U.S. Department of State confirmed the call.",
     {"U.S. Department of State"}, {"U.S."}),
    ("Calls align with those of the East African Community (EAC) and the Southern African Development Community (SADC).",
     {"East African Community", "EAC", "Southern African Development Community", "SADC"}, set()),
    ("The communiqué called for the EAC and SADC Chiefs of Defense Forces to convene.",
     {"EAC", "SADC", "Chiefs of Defense Forces"}, set()),
    ("The Rapid Support Forces (RSF) took control of the city after the army pulled out.",
     {"Rapid Support Forces", "RSF", "army"}, {"The"}),
    ("Ethiopia's federal government and the Tigray People's Liberation Front signed a deal mediated by the African Union.",
     {"Tigray People's Liberation Front", "African Union"}, {"African Union."}),
    ("The first World Food Programme convoy reached the town, the United Nations said.",
     {"World Food Programme", "United Nations"}, set()),
    ("Insurgents linked to the Islamic State seized the town.",
     {"insurgents", "Islamic State"}, set()),
    ("The Economic Community of West African States suspended the junta.",
     {"Economic Community of West African States"}, {"The"}),
    # collective armed actors
    ("Russian forces captured the town.", {"Russian forces"}, set()),
    ("Houthi fighters, who have controlled the capital since 2014, are to withdraw.", {"Houthi fighters"}, set()),
    ("Government troops said on April 5 that they had retaken the centre.", {"government troops"}, {"April"}),
    ("The M23 rebels have taken control of key locations.", {"M23"}, {"rebels", "The M23", "M23 rebels"}),
    ("Armed gangs attacked the prison and fighting with police continued.", {"armed gangs", "police"}, set()),
    ("Protesters drove police out of the town; gendarmes and demonstrators clashed on Friday.",
     {"protesters", "police", "gendarmes", "demonstrators"}, set()),
    # other crises
    ("Malian troops and Wagner mercenaries killed dozens of civilians near Moura, Human Rights Watch said.",
     {"Malian troops", "Wagner mercenaries", "Human Rights Watch"}, {"Moura"}),
    ("JNIM fighters ambushed a convoy of the Burkinabe army in the Sahel.",
     {"JNIM", "Burkinabe army"}, {"Sahel"}),
    ("Senior General Min Aung Hlaing said the Tatmadaw would hold elections.",
     {"Min Aung Hlaing", "Tatmadaw"}, {"Senior General"}),
    ("The Arakan Army seized the township, and junta forces retreated.",
     {"Arakan Army", "junta forces"}, set()),
    ("Israeli forces struck a school in Gaza, Hamas said, as the World Health Organization warned of famine.",
     {"Israeli forces", "Hamas", "World Health Organization"}, {"Gaza"}),
    ("UN Secretary-General Antonio Guterres urged the Saudi-led coalition to halt air strikes.",
     {"UN", "Antonio Guterres", "Saudi-led coalition"}, {"Secretary-General"}),
    ("Gen. Abdel Fattah al-Burhan met the African Union Peace and Security Council.",
     {"Abdel Fattah al-Burhan", "African Union"}, {"Gen.", "Gen"}),
    ("Army spokesman Brig. Gen. Sylvain Ekenge said the FARDC had retaken the town.",
     {"Sylvain Ekenge", "FARDC"}, {"Brig", "Brig.", "Army"}),
    ("Rebel leader Corneille Nangaa told reporters that the Congo River Alliance would advance.",
     {"Corneille Nangaa", "Congo River Alliance"}, {"Rebel"}),
    ("On Tuesday, Hezbollah fired rockets, the Israeli military said.",
     {"Hezbollah", "Israeli military"}, {"On Tuesday", "Tuesday"}),
    # things that are not actors
    ("In March 2023, more than 5 people died in Chapter 11 of the crisis.", set(),
     {"March", "In", "Chapter", "In March"}),
    ("The airport at Sanaa International Airport remains closed.", set(),
     {"Sanaa International", "Sanaa International Airport"}),
    ("He said they would return.", set(), {"He", "They"}),
    ("World War II veterans marched on Friday.", set(), {"II", "Friday"}),
    ("COVID cases rose and the NGO reported 300 IDPs in the USA.", set(), {"COVID", "NGO", "IDPs", "USA"}),
    # military craft and arms after a nationality; two nationalities sharing the noun
    ("Russian and Syrian warplanes struck the city, medics said.", {"Russian and Syrian warplanes"}, set()),
    ("Turkish drones hit the base and the Israeli navy shelled the port.", {"Turkish drones", "Israeli navy"}, set()),
    ("US and UK troops left; armed drones and military aircraft flew over.", {"UK troops"},
     {"armed drones", "military aircraft", "US and UK troops"}),
    ("The Russian language is taught in Russian schools.", set(), {"Russian language", "Russian schools"}),
    # news agencies and broadcasters are sources, not parties
    ("JUBA, March 6 (Reuters) - Fighters from the White Army overran a garrison.", {"White Army"},
     {"Reuters"}),  # the dateline's place is left out by the caller (events)
    ("Rebels told AFP and the Associated Press that M23 fighters had entered, Xinhua and Al Jazeera reported.",
     {"M23", "rebels"}, {"AFP", "Associated Press", "the Associated Press", "Xinhua", "Al Jazeera"}),
    ("The Saudi Press Agency (SPA) and the Syrian Arab News Agency (SANA) said the Syrian Democratic Forces withdrew.",
     {"Syrian Democratic Forces"}, {"Saudi Press Agency", "SPA", "Syrian Arab News Agency", "SANA"}),
    ("The truce will hold, state television MRTV said.", set(), {"MRTV"}),
    # a live blog's label is no actor
    ("LIVE: Israeli strikes hit Tyre after evacuation warning", set(), {"LIVE"}),
    # two people after a plural title; a titled person in apposition after "of ..."
    ("Presidents Sadyr Japarov and Emomali Rahmon met on Friday.", {"Sadyr Japarov", "Emomali Rahmon"},
     {"Presidents"}),
    ("He met the president of the Valencian regional government, Carlos Mazón, and emergency chiefs.",
     {"Carlos Mazón"}, set()),
    ("He held a crisis meeting with the prefect, François-Xavier Bieuville, and mayors.",
     {"François-Xavier Bieuville"}, set()),
    ("China's envoy met junta leader Senior Gen. Min Aung Hlaing in the capital.", {"Min Aung Hlaing"},
     {"Senior Gen", "Senior Gen."}),
    # a generic modifier that ends a name is part of it
    ("In the east, Islamic State fighters have besieged the town.", {"Islamic State"}, {"state fighters"}),
    # organisations named with a service word
    ("An Indian Navy ship unloaded aid, and Ethiopian Airlines suspended flights.",
     {"Indian Navy", "Ethiopian Airlines"}, set()),
    ("The Humanitarian Country Team met on 31 May.", {"Humanitarian Country Team"}, set()),
    ("Bloggers said Ukrainian units had taken the station.", {"Ukrainian units"}, set()),
    ("Russian artillery shelled the town as Israeli tanks moved in.", {"Russian artillery", "Israeli tanks"}, set()),
]


@pytest.mark.parametrize("sentence, expected, forbidden", CASES)
def test_find_actors(sentence, expected, forbidden):
    found = find_actors(sentence)
    names = {name for _, _, name in found}
    assert expected <= names, found
    assert not (forbidden & names), found
    for start, end, name in found:
        assert " ".join(sentence[start:end].split()).lower() == name.lower()
    assert found == sorted(found)
    spans = [(s, e) for s, e, _ in found]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "spans overlap"


def test_exclude_drops_place_spans_but_keeps_names_containing_them():
    sentence = "The DRC army and the Tigray People's Liberation Front met in Goma with MONUSCO."
    drc = (sentence.index("DRC"), sentence.index("DRC") + 3)
    tigray = (sentence.index("Tigray"), sentence.index("Tigray") + 6)
    names = {n for *_, n in find_actors(sentence, exclude=[drc, tigray])}
    assert "Tigray People's Liberation Front" in names
    assert "DRC army" in names  # strictly contains the place span
    assert "MONUSCO" in names
    assert "DRC" not in names
    sentence = "Fighting near Kavumu Airport and the GOMA front"
    start = sentence.index("Kavumu")
    assert find_actors("Kavumu Airport", exclude=[(0, 14)]) == []
    assert all(n != "Kavumu Airport" for *_, n in find_actors(sentence, exclude=[(start, start + 14)]))


def test_headline_in_capitals_gives_no_acronyms():
    assert find_actors("REBELS SEIZE AIRPORT AS TALKS STALL") == []


def test_canonical_actors_people_and_acronyms():
    canon = canonical_actors([
        "William Ruto", "Ruto", "President Ruto", "Marco Rubio", "Rubio",
        "East African Community", "EAC", "Southern African Development Community (SADC)",
        "Rapid Support Forces", "RSF", "United Nations", "UN", "Russian forces", "M23",
        "Economic Community of West African States", "ECOWAS",
    ])
    assert canon["Ruto"] == canon["President Ruto"] == canon["William Ruto"] == "William Ruto"
    assert canon["Rubio"] == "Marco Rubio"
    # an acronym the document spells out: the name with its acronym, whichever form is read
    assert canon["East African Community"] == canon["EAC"] == "East African Community (EAC)"
    assert canon["Southern African Development Community (SADC)"] == "Southern African Development Community (SADC)"
    assert canon["Rapid Support Forces"] == canon["RSF"] == "Rapid Support Forces (RSF)"
    assert canon["United Nations"] == "United Nations (UN)"
    assert canon["Economic Community of West African States"] == "Economic Community of West African States (ECOWAS)"
    assert canon["Russian forces"] == "Russian forces"
    assert canon["M23"] == "M23"
    # ... and one it never spells out stays as it is
    assert canonical_actors(["ADF", "M23"]) == {"ADF": "ADF", "M23": "M23"}


def test_canonical_actors_leaves_ambiguous_short_forms():
    canon = canonical_actors(["Ariel Henry", "Patrick Henry", "Henry"])
    assert canon["Henry"] == "Henry"
    assert canon["Ariel Henry"] == "Ariel Henry"


def test_canonical_actors_is_deterministic():
    names = ["Rubio", "Marco Rubio", "EAC", "East African Community"]
    assert canonical_actors(names) == canonical_actors(reversed(names))


def _names(sentence):
    return [name for _s, _e, name in find_actors(sentence)]


@pytest.mark.parametrize("sentence, long", [
    ("The Société Guinéenne des Pétroles (SGP) said the depot burned.", "Société Guinéenne des Pétroles"),
    ("The Forces Armées de la République Démocratique du Congo (FARDC) retook Sake.",
     "Forces Armées de la République Démocratique du Congo"),
    ("The Ejército de Liberación Nacional (ELN) attacked Tibú.", "Ejército de Liberación Nacional"),
    ("Médecins Sans Frontières (MSF) treated 40 wounded.", "Médecins Sans Frontières"),
    ("Fighters of the Allied Democratic Forces (ADF) attacked.", "Allied Democratic Forces"),  # English, as before
])
def test_a_name_spelled_out_before_its_acronym_is_an_actor_in_any_language(sentence, long):
    assert long in _names(sentence)
    acronym = sentence[sentence.index("(") + 1:sentence.index(")")]
    assert canonical_actors([long, acronym])[acronym] == f"{long} ({acronym})"


@pytest.mark.parametrize("sentence", [
    "Fighting spread across the Democratic Republic of Congo (DRC) on Monday.",  # a country
    "Agence France-Presse (AFP) reported the attack.",  # a news agency
    "Shelling cut power to the Zaporizhzhia Nuclear Power Plant (ZNPP).",  # a facility
    "Aid reached Goma, Bukavu and Uvira (SK) by road.",  # a comma: no run of words spells it
    "The UN refugee agency (UNHCR) counted 3,000 arrivals.",  # lower-case words spell nothing
    "Rebels of the Mouvement du 23 Mars (M23) seized Goma.",  # letters that do not match
])
def test_no_name_is_read_before_an_acronym_it_does_not_spell(sentence):
    (bracket,) = _RE_PAREN_ACRONYM.finditer(sentence)
    assert _spelled_out(sentence, bracket) is None


@pytest.mark.parametrize("sentence, actors", [
    ("The A3 Garissa-Nairobi highway has been cut at Madogo.", []),
    ("The N380, the only paved road to Macomia, has become a no-go area.", []),
    ("Traffic on the M1 highway resumed.", []),
    # a group named like a road number stays a group
    ("M23 fighters blocked the road to Goma.", ["M23"]),
    ("M23, the rebel group, cut the main road.", ["M23"]),
])
def test_a_road_number_is_no_actor(sentence, actors):
    assert _names(sentence) == actors


@pytest.mark.parametrize("sentence, forbidden", [
    ("Opposition fighters captured Saraqib, at the junction of the M4 and M5 highways.", {"M4", "M5"}),
    ("Donors agreed to release USD 5 million from the emergency fund.", {"USD"}),
    ("BRIEF: Harare declares cholera emergency as cases climb.", {"BRIEF"}),
    ("A spokesperson spoke at the Palais des Nations in Geneva.", {"Palais"}),
])
def test_roads_currencies_labels_and_buildings_are_no_actors(sentence, forbidden):
    assert not forbidden & set(_names(sentence))
    assert _names("Fighters of the Houthis attacked a ship.") == ["Houthis"]
