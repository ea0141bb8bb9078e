from ui.core.send_history import SendHistory


def test_up_and_down_walk_the_history_and_return_to_the_draft() -> None:
    history = SendHistory()
    for text in ("one", "two", "three"):
        history.add(text)
    assert history.older("draft") == "three"
    assert history.older("three") == "two"
    assert history.older("two") == "one"
    assert history.older("one") == "one"  # stays at the oldest
    assert history.newer("one") == "two"
    assert history.newer("two") == "three"
    assert history.newer("three") == "draft"
    assert history.newer("draft") == "draft"


def test_repeats_are_kept_once_and_the_limit_holds() -> None:
    history = SendHistory(limit=2)
    for text in ("a", "a", "b", "c"):
        history.add(text)
    assert history.items == ["b", "c"]
