from context_service.engine import ContextConfig, ContextEngine, Turn


def build_index(engine, texts, roles=None):
    idx = engine.new_index()
    for i, text in enumerate(texts):
        role = roles[i] if roles else ("user" if i % 2 == 0 else "assistant")
        engine.append(idx, Turn(f"t{i}", role, text, 1_700_000_000.0 + 60 * i))
    return idx


def test_relevant_outranks_irrelevant(engine, make_turns):
    idx = engine.new_index()
    engine.append(idx, Turn("fact", "user", "My sister works as a marine biologist in Lisbon.", 1.0))
    for t in make_turns(60, start=1):
        engine.append(idx, t)
    scores = engine.score(idx, "What does my sister do for a living in Lisbon?")
    fact = idx.positions["fact"]
    assert scores[fact][1] == "relevance"
    assert scores[fact][0] == max(s for s, _ in scores.values())


def test_recency_breaks_ties(engine, make_turns):
    texts = (
        ["We talked about the blue bicycle."] + [t.text for t in make_turns(40, start=1)] + ["We talked about the blue bicycle."]
    )
    idx = build_index(engine, texts)
    scores = engine.score(idx, "blue bicycle")
    assert scores[len(texts) - 1][0] > scores[0][0]


def test_importance_without_query_overlap(engine, make_turns):
    idx = engine.new_index()
    engine.append(idx, Turn("imp", "user", "I'm allergic to peanuts and my budget is 300 euros.", 1.0))
    engine.append(idx, Turn("chat", "user", "ok cool", 2.0))
    for t in make_turns(10, start=2):
        engine.append(idx, t)
    assert idx.importance[idx.positions["imp"]] > idx.importance[idx.positions["chat"]]
    scores = engine.score(idx, "zebra xylophone")  # no lexical overlap with anything
    assert scores[idx.positions["imp"]] == (scores[idx.positions["imp"]][0], "importance")
    assert idx.positions["imp"] in idx.top_important()


def test_continuity_brings_the_question_of_a_relevant_answer(engine, make_turns):
    texts = [t.text for t in make_turns(40)]
    texts[10] = "Where did you end up going last summer?"
    texts[11] = "We went to Crete, the beaches were wonderful."
    roles = ["user" if i % 2 == 0 else "assistant" for i in range(40)]
    idx = build_index(engine, texts, roles)
    scores = engine.score(idx, "Crete beaches")
    assert scores[11][1] == "relevance"
    assert scores[10][1] == "continuity" and scores[10][0] > 0.5 * scores[11][0]


def test_stemming_and_stopwords_match_variants(engine, make_turns):
    idx = build_index(engine, [t.text for t in make_turns(20)] + ["I have been researching adoption agencies."])
    scores = engine.score(idx, "What did I research about adopting?")
    best = max(scores, key=lambda p: scores[p][0])
    assert best == 20


def test_a_message_naming_a_speaker_asks_about_their_own_turns(engine, make_turns):
    def index(with_speakers: bool):
        idx = engine.new_index()
        for t in make_turns(30):
            engine.append(idx, t)
        # Ben names Anna when he speaks to her; the question is about what Anna said.
        ben = "Anna, I cooked a risotto yesterday and I liked it a lot!"
        engine.append(idx, Turn("ben", "assistant", ben, 31.0, speaker="Ben" if with_speakers else None))
        anna = "Nice. I like to cook lasagna on Sundays."
        engine.append(idx, Turn("anna", "user", anna, 32.0, speaker="Anna" if with_speakers else None))
        for t in make_turns(30, start=40):
            engine.append(idx, t)
        return idx

    idx = index(with_speakers=True)
    scores = engine.score(idx, "What does Anna like to cook?")
    assert scores[idx.positions["anna"]][0] > scores[idx.positions["ben"]][0]
    # The control: without speakers, "Anna" is a word like any other and Ben's turn has it.
    plain = index(with_speakers=False)
    scores = engine.score(plain, "What does Anna like to cook?")
    assert scores[plain.positions["ben"]][0] > scores[plain.positions["anna"]][0]


def test_a_when_question_prefers_the_turn_that_says_when(tokenizer, make_turns):
    def best(config: ContextConfig) -> str:
        engine = ContextEngine(tokenizer, config)
        idx = engine.new_index()
        for t in make_turns(30):
            engine.append(idx, t)
        engine.append(idx, Turn("went", "user", "We visited the aquarium with my nephew yesterday.", 31.0))
        engine.append(idx, Turn("plan", "user", "We should visit the aquarium with my nephew again.", 32.0))
        for t in make_turns(30, start=40):
            engine.append(idx, t)
        scores = engine.score(idx, "When did I visit the aquarium with my nephew?")
        return max(("plan", "went"), key=lambda t: scores[idx.positions[t]][0])

    assert best(ContextConfig()) == "went"
    assert best(ContextConfig(when_factor=1.0)) == "plan"  # the control: words alone pick the other


def test_the_reason_of_a_turn_found_for_the_time_it_names_is_time(engine, make_turns):
    idx = engine.new_index()
    for t in make_turns(30):
        engine.append(idx, t)
    engine.append(idx, Turn("went", "user", "We visited the aquarium with my nephew yesterday.", 31.0))
    engine.append(idx, Turn("plan", "user", "We should visit the aquarium with my nephew again.", 32.0))
    when = engine.score(idx, "When did I visit the aquarium with my nephew?")
    assert when[idx.positions["went"]][1] == "time"
    assert when[idx.positions["plan"]][1] == "relevance"  # it names no time
    what = engine.score(idx, "Did I visit the aquarium with my nephew?")
    assert what[idx.positions["went"]][1] == "relevance"  # not a "when" question
