from practice_desk.reports.anonymise import Anonymiser, letters


def test_letters_run_like_spreadsheet_columns():
    assert [letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_stable_letters_by_code_and_no_code_when_hidden():
    hidden = Anonymiser(["D81005", "D81001", "D81003"])
    assert hidden.name("D81001") == "Practice A" and hidden.name("D81005") == "Practice C"
    assert hidden.label("D81003", "NEWNHAM WALK") == "Practice B"
    shown = Anonymiser(["D81001"], enabled=False)
    assert shown.label("D81001", "LENSFIELD") == "LENSFIELD (D81001)"
