import re
from pathlib import Path

import pytest

from geomap.errors import LayerError
from geomap.layers import LayerMatcher, load_layers, phrase_regex

CORE = {"meeting", "control", "supply_route", "clash", "humanitarian", "ceasefire"}


def test_core_layers_ship():
    layers = load_layers(Path(__file__).parent.parent / "layers")
    assert CORE <= {lay.id for lay in layers}
    orders = [lay.order for lay in layers]
    assert orders == sorted(orders)
    assert all(lay.color.startswith("#") and len(lay.color) == 7 for lay in layers)


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_adding_a_layer_needs_only_a_file(tmp_path):
    write(tmp_path, "protest.yaml", "id: protest\nlabel: Protests\ntriggers: [protest*, demonstrat*]\ncolor: '#123456'\n")
    (layer,) = load_layers(tmp_path)
    assert layer.id == "protest" and layer.label == "Protests"
    assert LayerMatcher(layer).triggers("Thousands demonstrated in the capital")


@pytest.mark.parametrize("body, problem", [
    ("id: x\n", "'label' is required"),
    ("id: Bad Id\nlabel: x\ntriggers: [a]\n", "'id' should be lowercase"),
    ("id: x\nlabel: x\ntriggers: [a]\ncolor: red\n", "'color' should look like #rrggbb"),
    ("id: x\nlabel: x\ntriggers: [a]\nicon: rocket\n", "'icon' should be one of"),
    ("id: x\nlabel: x\ntriggers: [a]\ncolour: '#ffffff'\n", "unknown key(s) 'colour'"),
    ("id: x\nlabel: x\n", "at least one trigger"),
    ("id: x\nlabel: x\npatterns: ['(unclosed']\n", "not a valid regular expression"),
    ("id: x\nlabel: x\ntriggers: [a]\ngeometry: polygon\n", "'geometry' should be one of"),
    ("id: x\nlabel: x\ntriggers: [a]\nlead_triggers: [died]\n", "'lead_triggers' and 'lead_any' go together"),
    ("- just\n- a list\n", "should hold a mapping"),
    ("id: x\nlabel: [unclosed\n", "invalid YAML"),
])
def test_bad_layer_files_name_the_file_and_problem(tmp_path, body, problem):
    write(tmp_path, "bad.yaml", body)
    with pytest.raises(LayerError) as info:
        load_layers(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "bad.yaml") + ": ")
    assert problem in str(info.value)


def test_conflicting_layer_ids(tmp_path):
    write(tmp_path, "a.yaml", "id: dup\nlabel: A\ntriggers: [a]\n")
    write(tmp_path, "b.yaml", "id: dup\nlabel: B\ntriggers: [b]\n")
    with pytest.raises(LayerError, match="already defined in a.yaml"):
        load_layers(tmp_path)


def test_empty_or_missing_directory(tmp_path):
    with pytest.raises(LayerError, match="no layer files"):
        load_layers(tmp_path)
    with pytest.raises(LayerError, match="not found"):
        load_layers(tmp_path / "nope")


@pytest.mark.parametrize("phrases, text, hits", [
    (("meet*",), "They met, then meeting again; meets", ["meeting", "meets"]),
    (("met",), "They met. Metal and helmets", ["met"]),
    (("took control",), "rebels took   control of", ["took   control"]),
    (("supply route*",), "Supply routes were cut", ["Supply routes"]),
    (("talks",), "peace-talks and stalks", []),
    # a * alone is one word, whatever it is
    (("fighting * fires",), "fighting smaller fires; fighting fires; fighting two big fires",
     ["fighting smaller fires"]),
    (("fought * blaze*",), "crews fought the blazes", ["fought the blazes"]),
])
def test_phrase_regex_respects_word_boundaries(phrases, text, hits):
    assert [m.group(0) for m in phrase_regex(phrases).finditer(text)] == hits


def test_requires_any_gates_a_layer():
    layers = {lay.id: lay for lay in load_layers(Path(__file__).parent.parent / "layers")}
    route = LayerMatcher(layers["supply_route"])
    assert route.triggers("The airport was closed to flights")
    assert not route.triggers("He flew in from the airport on Monday")


SHIPPED = {lay.id: LayerMatcher(lay) for lay in load_layers(Path(__file__).parent.parent / "layers")}


def fired(layer_id, sentence):
    return [sentence[a:b] for a, b in SHIPPED[layer_id].triggers(sentence)]


@pytest.mark.parametrize("layer_id, sentence", [
    ("humanitarian", "The Humanitarian Country Team met with the Minister of Humanitarian Action to discuss access."),
    ("humanitarian", "The UN Office for the Coordination of Humanitarian Affairs opened a hub in the city."),
    ("ceasefire", "Officials of the Ceasefire Monitoring Committee visited the town on Monday."),
])
def test_a_trigger_inside_a_capitalised_name_does_not_fire(layer_id, sentence):
    assert fired(layer_id, sentence) == []


@pytest.mark.parametrize("layer_id, sentence, hit", [
    ("ceasefire", "Ceasefire talks began in the capital on Monday.", "Ceasefire"),  # opens the sentence
    ("ceasefire", "Residents said the Ceasefire was broken within hours.", "Ceasefire"),  # no name after it
    ("supply_route", "The Indus Highway between the two towns was cut by floodwater.", "Highway"),  # the name's head
    ("humanitarian", "Rebels Seize Town As Humanitarian Crisis Deepens", "Humanitarian"),  # a title-case headline
    ("humanitarian", "Aid reached the camps, the Red Cross said.", "Red Cross"),  # written as a name in the layer
])
def test_a_capitalised_trigger_outside_a_name_still_fires(layer_id, sentence, hit):
    assert hit in fired(layer_id, sentence)


@pytest.mark.parametrize("layer_id, sentence, hit", [
    # keeping a named place
    ("control", "The Libyan National Army has kept Sirte since 2020.", "kept"),
    ("control", "Government troops retained Bakhmut after weeks of assaults.", "retained"),
    ("control", "The army held on to the town of Kherson.", "held on to"),
    ("control", "The group still holds Kidal and two other towns.", "still holds"),
    # disease, patients, crowded camps, flooding
    ("humanitarian", "Doctors were treating hundreds of patients a day for malaria and diarrhoea.", "treating hundreds of patients"),
    ("humanitarian", "Clinics recorded cases of malaria, diarrhea and measles in the district.", "measles"),
    ("humanitarian", "Relief camps in the city are overflowing.", "Relief camps"),
    ("humanitarian", "The breaches flooded about 100 villages.", "flooded"),
    ("humanitarian", "The fighting forced 125,000 people from their homes.", "from their homes"),
    # flights that carry aid
    ("supply_route", "A UN-chartered flight carrying tents landed at the city's airport.", "UN-chartered flight"),
    ("supply_route", "Humanitarian helicopter (UNHAS) flights to the town resumed on Monday.",
     "Humanitarian helicopter (UNHAS) flights"),
    ("supply_route", "An airlift of food began on Tuesday.", "airlift"),
    # roads by their other names, and railways
    ("supply_route", "The motorway was closed in both directions because of smoke.", "motorway"),
    ("supply_route", "Landslides blocked the expressway north of the city.", "expressway"),
    ("supply_route", "Rebels cut the railway line between the two towns.", "railway line"),
    ("supply_route", "The port reopened to grain exports on Monday.", "port"),
    ("supply_route", "Two navy ships berthed in the capital with relief supplies.", "berthed"),
    ("supply_route", "Aid is being delivered from the main wharf.", "wharf"),
    ("supply_route", "The Rafah crossing reopened on Monday.", "crossing"),
    ("supply_route", "The main crossing into Uganda was closed.", "crossing"),
    # fires are disasters like floods and quakes
    ("humanitarian", "A wildfire fanned by strong winds burned through the suburbs.", "wildfire"),
    ("humanitarian", "Forest fires have burned for five days near the border.", "Forest fires"),
])
def test_trigger_vocabulary(layer_id, sentence, hit):
    assert hit in fired(layer_id, sentence)


@pytest.mark.parametrize("layer_id, sentence", [
    ("control", "The level of the lake kept rising, and the party holds talks on Monday."),
    ("control", "She kept Monday free."),
    ("supply_route", "The president flew in and landed at the airport for talks."),
    ("supply_route", "The minister took a flight to the capital."),
    ("humanitarian", "The patients' association held its annual meeting."),
    # "important" is not "import": a port named as a landmark is no route event
    ("supply_route", "The fire spread from the port city towards the park, an important bird sanctuary."),
    # someone crossing something is no crossing point
    ("supply_route", "Families were crossing the border on foot before it closed."),
])
def test_trigger_vocabulary_does_not_overreach(layer_id, sentence):
    assert fired(layer_id, sentence) == []


def test_case_odd_characters_are_all_those_a_case_insensitive_ascii_letter_matches():
    import re
    from geomap.dates import CASE_ODD, ODD_LETTERS
    letter = re.compile("[a-z]", re.IGNORECASE)
    odd = {chr(cp) for cp in range(0x80, 0x110000) if not 0xD800 <= cp <= 0xDFFF and letter.match(chr(cp))}
    assert odd == set(CASE_ODD.pattern.strip("[]"))
    # and each stands for the ASCII letter it matches
    assert all(re.fullmatch(plain, ch, re.IGNORECASE) for ch, plain in ODD_LETTERS.items())


SCREENED = [
    "Rebels ATTACKED the town; the ceasefire collapsed.",
    "Fighters seized the airport and the road was closed.",
    "The \u017ftrike hit a depot.",  # a long s: "strike" to a case-insensitive search, not to lower()
    "Forces \u212aILLED two men.",  # the Kelvin sign
    "Nothing happened here at all.",
    "They spoke with the envoy by phone.",
    "Talks were held in Doha.",
    "Two men died there.",  # a lead trigger only
]


@pytest.mark.parametrize("sentences, gap", [
    (SCREENED[:2] + SCREENED[4:], " "), (SCREENED, "\n"), (SCREENED[4:5], " "),
    (["The attack", "ed town held talk", "s by phone"], ""),  # words running on past a span's end
    (["Rebels", "attacked Goma", "Shelling"], ""),  # spans starting right after a letter
])
def test_screen_keeps_every_layer_that_fires(sentences, gap):
    from geomap.layers import LayerScreen
    matchers = [LayerMatcher(layer) for layer in load_layers(Path(__file__).parent.parent / "layers")]
    text, spans = "", []
    for sentence in sentences:
        spans.append((len(text), len(text) + len(sentence)))
        text += sentence + gap
    screened = LayerScreen(matchers).screen(text, spans)
    assert len(screened) == len(spans)
    for (start, end), (firing, calling) in zip(spans, screened):
        for matcher in matchers:
            assert (matcher in firing) >= bool(matcher.triggers(text[start:end], lead=True))
            assert (matcher in calling) >= bool(matcher.remote(text[start:end]))
    if sentences == SCREENED[4:5]:
        assert screened == [([], [])]  # and it rules layers out


def test_screen_never_rules_out_a_layer_with_patterns():
    from geomap.layers import LayerScreen
    from geomap.models import Layer
    layer = Layer(id="x", label="x", description="", triggers=("zzz",), patterns=(r"\bma?rch",), geometry="point",
                  color="#000000", icon="circle", order=1, requires_any=(), unless_any=(), remote_triggers=(),
                  coarsest_place="country", source_file="x.yaml")
    matcher = LayerMatcher(layer)
    assert LayerScreen([matcher]).screen("They march.", [(0, 11)]) == [([matcher], [])]


# sentences where each layer's patterns (not its plain triggers) match
PATTERN_SENTENCES = [
    "The LNA has kept Sirte since 2020.", "Fano still holds Lalibela.", "Rebels held on to Bunia.",
    "Doctors are treating hundreds of patients a day.", "The hospital is running short of blood.",
    "Families are short of food.", "A rescue team arrived.", "Envoys held consultations in Doha.",
    "Fighters laid siege to the city.", "A UN-chartered flight landed.",
    "The airline suspended all flights to Gondar.", "Flights to Goma were suspended.",
    "AID FLIGHTS RESUMED.",
]


@pytest.mark.parametrize("sentence", PATTERN_SENTENCES)
def test_pattern_words_keep_every_pattern_that_matches(sentence):
    from geomap.layers import LayerScreen
    matchers = [LayerMatcher(layer) for layer in load_layers(Path(__file__).parent.parent / "layers")]
    firing = [mt for mt in matchers if any(re.search(p, sentence, re.IGNORECASE) for p in mt.layer.patterns)]
    assert firing, "the sentence should match some layer's pattern"
    [(admitted, _calling)] = LayerScreen(matchers).screen(sentence, [(0, len(sentence))])
    assert set(firing) <= set(admitted)


def test_pattern_words_must_be_plain_words(tmp_path):
    (tmp_path / "x.yaml").write_text("id: x\nlabel: X\npatterns: ['a+b']\npattern_words: ['a b']\n", encoding="utf-8")
    with pytest.raises(LayerError, match="pattern_words"):
        load_layers(tmp_path)


def test_firefighting_is_no_clash():
    (clash,) = [LayerMatcher(layer) for layer in load_layers() if layer.id == "clash"]
    assert not clash.triggers("Crews were also fighting smaller fires on the Big Island.")
    assert clash.triggers("Fighting spread to the Big Island, where rebels set houses on fire.")


@pytest.mark.parametrize("sentence, fires", [
    ("In Amizmiz, most of the old mud-brick houses collapsed.", True),
    ("In Guiuan nearly every building was damaged or destroyed.", True),
    ("A storm surge swept through the coastal neighbourhoods of Tacloban.", True),
    ("The talks in Geneva collapsed on Monday.", False),
    ("The house was sold to a developer in Goma.", False),
])
def test_what_a_disaster_leaves_standing_is_humanitarian(sentence, fires):
    (humanitarian,) = [LayerMatcher(layer) for layer in load_layers() if layer.id == "humanitarian"]
    assert bool(humanitarian.triggers(sentence)) is fires
