"""The column-mapping step: tell Practice Desk what each column of a call log (or similar) holds."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from local_db import queries
from practice_desk.importing.mapping import (
    ColumnMapping,
    MappingError,
    distinct_values,
    first_source,
    get_kind,
    kinds,
    normalise_name,
    preview,
    suggest_mapping,
    validate,
)
from practice_desk.importing.mapping_step import Proposal, headerless_guess
from practice_desk.telephony.calllogs import presets
from practice_desk.telephony.times import BadValue, parse_local, settle_day_first

ORIGINS = {"preset": "a supplier preset", "saved mapping": "the mapping you saved for files "
           "like this", "guess": "a guess from the column names"}
PERSONAL_FIELDS = ("caller", "destination")  # masked in the preview: it may be screen-shared
NOT_IN_FILE = "(not in this file)"
NOT_MAPPED = "(not mapped)"
PREVIEW_ROWS = 8
# What each canonical value means (the NHS CBT outcome model, telephony.md), shown beside the
# supplier's words and as each choice's tooltip.
MEANINGS = {
    "answered": "answered by practice staff",
    "ivr_ended": "ended before joining a queue: a closed or 'call 111' message, a menu "
                 "hang-up, a diversion",
    "callback_requested": "the caller chose a call-back instead of waiting",
    "callback_made": "a call-back was requested and the practice made it",
    "missed": "queued or rang a phone and nobody answered, including voicemail and callers who "
              "hung up while waiting ('abandoned')",
    "ignore": "not a call to count (a test call, a summary row): these rows are left out",
    "inbound": "from a caller outside the practice",
    "outbound": "the practice calling out",
    "internal": "between the practice's own phones: never counted",
}
DATE_ORDERS = [("Decided from the file (UK order when nothing settles it)", None),
               ("Day first: 06/10/2025 is 6 October", True),
               ("Month first: 10/06/2025 is 6 October", False)]
_DAY_MONTH = re.compile(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_PHONE = re.compile(r"^\s*\+?\(?\d[\d ()-]{6,}\s*$")


class MappingDialog(QDialog):
    """Shows the file's first rows; one drop-down per field; supplier words to outcomes."""

    def __init__(self, conn, path: str | Path, proposal: Proposal, parent=None) -> None:
        super().__init__(parent)
        self.conn, self.path = conn, Path(path)
        self.mapping = proposal.mapping.copy()
        self.header = list(proposal.header)
        self.setWindowTitle(f"Map the columns of {self.path.name}")
        self.resize(1240, 720)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Tell Practice Desk what each column holds. The choices below "
                                f"come from {ORIGINS.get(proposal.origin, proposal.origin)}: "
                                "check them, choose the practice, then import. Fields marked * "
                                "are needed.", wordWrap=True))
        layout.addLayout(self._top_row())
        layout.addWidget(self._preview_table())
        body = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.fields_box, self.words_box = QGroupBox("Columns"), QGroupBox("Supplier's words")
        self.fields_box.setMinimumWidth(560)
        body.addWidget(_scrolling(self.fields_box))
        body.addWidget(_scrolling(self.words_box))
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        layout.addWidget(body, 1)
        self.problems = QLabel(wordWrap=True)
        self.problems.setStyleSheet("color: #d5281b;")
        layout.addWidget(self.problems)
        self.remember = QCheckBox("Remember this mapping for files with these columns")
        self.remember.setChecked(True)
        layout.addWidget(self.remember)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = QPushButton("Import")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._rebuild()

    # --- layout -------------------------------------------------------------------------
    def _top_row(self) -> QFormLayout:
        form = QFormLayout()
        self.kind = QComboBox(accessibleName="Kind of file")
        for name, spec in kinds().items():
            self.kind.addItem(spec.description.capitalize(), name)
        self.kind.setCurrentIndex(self.kind.findData(self.mapping.kind))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.preset = QComboBox(accessibleName="Start from")
        self.preset.addItem("Keep the current choice", None)
        for preset in presets():
            self.preset.addItem(preset.name, preset)
        self.preset.activated.connect(self._preset_chosen)
        self.practice = QComboBox(editable=True, accessibleName="Practice")
        # Sorted as shown (by ODS code, which the entry starts with), not by PCN.
        for practice in sorted(queries.list_practices(self.conn), key=lambda p: p["ods_code"]):
            self.practice.addItem(f"{practice['ods_code']} {practice['name'] or ''}".strip(),
                                  practice["ods_code"])
        self.practice.setCurrentIndex(-1)
        self.practice.setEditText(self.mapping.options.get("practice") or "")
        self.practice.editTextChanged.connect(lambda _t: self._check())
        self.name = QLineEdit(self.mapping.name or self.path.stem)
        self.has_header = QCheckBox("The first row names the columns (untick for a file "
                                    "without a header row: its columns are Column 1, 2, ...)")
        self.has_header.setChecked(self.mapping.has_header)
        self.has_header.toggled.connect(self._header_toggled)
        self.date_order = QComboBox(accessibleName="Dates are written")
        for label, value in DATE_ORDERS:
            self.date_order.addItem(label, value)
        chosen = self.mapping.options.get("day_first")
        self.date_order.setCurrentIndex(max(self.date_order.findData(chosen), 0))
        self.date_order.currentIndexChanged.connect(lambda _i: self._date_chosen())
        self.dates_read = QLabel(wordWrap=True, objectName="hint",
                                 accessibleName="Start times as they will be read")
        for label, widget in (("This file is a", self.kind), ("Start from", self.preset),
                              ("Practice (ODS code)", self.practice), ("Mapping name", self.name),
                              ("Header row", self.has_header),
                              ("Dates are written", self.date_order),
                              ("Start times read as", self.dates_read)):
            form.addRow(label, widget)
        return form

    def _preview_table(self) -> QTableWidget:
        self.preview = QTableWidget(accessibleName="First rows of the file")
        self.preview.setMaximumHeight(170)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        return self.preview

    # --- behaviour ----------------------------------------------------------------------
    def _kind_changed(self, _index: int) -> None:
        self.mapping = suggest_mapping(self.kind.currentData(), self.header, self.name.text())
        self._rebuild()

    def _preset_chosen(self, _index: int) -> None:
        chosen = self.preset.currentData()
        if chosen is not None:
            self.mapping = chosen.copy()
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(self.kind.findData(chosen.kind))
            self.kind.blockSignals(False)
            self.name.setText(chosen.name)
            self._rebuild()

    def _header_toggled(self, has_header: bool) -> None:
        """A file without a header row (or with one the guess missed): its columns are named
        Column 1 ... N, or by the first row, and the choices start again from a guess."""
        if has_header:
            self.mapping = suggest_mapping(self.mapping.kind, preview(self.path).header,
                                           self.name.text())
        else:
            self.mapping = headerless_guess(first_source(self.path)).mapping
        self._rebuild()

    def _date_chosen(self) -> None:
        value = self.date_order.currentData()
        if value is None:
            self.mapping.options.pop("day_first", None)
        else:
            self.mapping.options["day_first"] = value
        self._show_dates()
        self._check()

    def _rebuild(self) -> None:
        sample = preview(self.path, rows=PREVIEW_ROWS, mapping=self.mapping)
        self.header, self.sample_rows = sample.header, sample.rows
        self.preview.setColumnCount(len(sample.header))
        self.preview.setHorizontalHeaderLabels(sample.header)
        self.preview.setRowCount(len(sample.rows))
        masked = {self.mapping.columns.get(f) for f in PERSONAL_FIELDS} - {None}
        for r, row in enumerate(sample.rows):
            for c, value in enumerate(row[:len(sample.header)]):
                self.preview.setItem(r, c, QTableWidgetItem(self._shown(sample.header[c], value,
                                                                        masked)))
        self._build_fields()
        self._build_words()
        self._show_dates()
        self._check()

    @staticmethod
    def _shown(column: str, value: str, masked: set[str]) -> str:
        """A sample value as the dialog may show it: phone numbers masked wherever they are
        (a headerless file's caller column is not known yet)."""
        return mask_number(value) if column in masked or _PHONE.match(value) else value

    def _column_values(self, field_name: str) -> list[str]:
        column = self.mapping.columns.get(field_name)
        if not column or column not in self.header:
            return []
        index = self.header.index(column)
        return [row[index].strip() for row in self.sample_rows if index < len(row)]

    def _show_dates(self) -> None:
        """The first start times as the import will read them, in the order chosen (or the
        order the first rows settle), so a wrong order shows before anything is imported."""
        dates, times = self._column_values("start_date"), self._column_values("start_time")
        texts = [f"{d} {t}".strip() for d, t in zip(dates, times, strict=False)] if dates \
            else times
        if not texts:
            self.dates_read.setText("Choose the start-time column to see how dates are read.")
            return
        chosen = self.date_order.currentData()
        try:
            settled = settle_day_first(texts)
        except BadValue as exc:
            self.dates_read.setText(str(exc))
            return
        day_first = chosen if chosen is not None else (True if settled is None else settled)
        shown = []
        for text in texts[:3]:
            try:
                when, _ = parse_local(text, day_first)
                shown.append(f"{text} → {when:%a %d %b %Y %H:%M}")
            except BadValue:
                shown.append(f"{text} → not a date and time")
        if chosen is None and any(_DAY_MONTH.match(text) for text in texts):
            shown.append("(the first rows do not settle the order: the import decides from "
                         "the whole file, UK order when nothing does)" if settled is None
                         else "(day first)" if settled else "(month first)")
        self.dates_read.setText(";  ".join(shown))

    def _build_fields(self) -> None:
        form = _fresh_form(self.fields_box)
        self.field_combos: dict[str, QComboBox] = {}
        for spec in get_kind(self.mapping.kind).fields:
            if spec.advanced and spec.name not in self.mapping.columns:
                continue  # supplier-specific columns appear only when a preset uses them
            combo = QComboBox(accessibleName=spec.label)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(28)
            combo.addItem(NOT_IN_FILE, "")
            masked = {self.mapping.columns.get(f) for f in PERSONAL_FIELDS} - {None}
            for i, column in enumerate(self.header):
                example = next((row[i].strip() for row in self.sample_rows
                                if i < len(row) and row[i].strip()), "")
                shown = self._shown(column, example, masked)[:30]
                combo.addItem(f"{column}  (e.g. {shown})" if shown else column, column)
            current = self.mapping.columns.get(spec.name, "")
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.setToolTip(spec.help or spec.label)
            # The open list as wide as its longest choice: never cut.
            metrics = combo.view().fontMetrics()
            combo.view().setMinimumWidth(40 + max(metrics.horizontalAdvance(combo.itemText(i))
                                                  for i in range(combo.count())))
            combo.currentIndexChanged.connect(lambda _i, f=spec.name: self._column_chosen(f))
            label = QLabel(spec.label + (" *" if spec.required else ""), wordWrap=True)
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.field_combos[spec.name] = combo
        self.call_legs = QCheckBox("Rows with the same call ID are legs of one call (ring "
                                   "groups, transfers): count them as one call")
        self.call_legs.setChecked(bool(self.mapping.option("call_legs")))
        self.call_legs.toggled.connect(self._legs_chosen)
        form.addRow(self.call_legs)

    def _legs_chosen(self, checked: bool) -> None:
        self.mapping.options["call_legs"] = checked
        self._check()

    def _column_chosen(self, field_name: str) -> None:
        column = self.field_combos[field_name].currentData()
        if column:
            self.mapping.columns[field_name] = column
        else:
            self.mapping.columns.pop(field_name, None)
        if field_name == "call_id":
            self.call_legs.setChecked(bool(column))
        if field_name in ("start_time", "start_date"):
            self._show_dates()
        if get_kind(self.mapping.kind).field(field_name).values:
            self._build_words()
        self._check()

    def _build_words(self) -> None:
        form = _fresh_form(self.words_box)
        self.word_combos: dict[tuple[str, str], QComboBox] = {}
        for spec in get_kind(self.mapping.kind).fields:
            column = self.mapping.columns.get(spec.name)
            if not spec.values or not column:
                continue
            form.addRow(QLabel(f"<b>{spec.label}</b> (column '{column}')"))
            form.addRow(QLabel("<br>".join(f"<i>{v.replace('_', ' ')}</i>: {MEANINGS[v]}"
                                           for v in spec.values if v in MEANINGS),
                               wordWrap=True, objectName="hint"))
            try:
                found = distinct_values(self.path, column, mapping=self.mapping)
            except MappingError as exc:
                form.addRow(QLabel(str(exc), wordWrap=True))
                continue
            table = self.mapping.word_table(spec.name)
            for word, rows in found:
                combo = QComboBox(accessibleName=f"Meaning of {word}")
                combo.addItem(NOT_MAPPED, "")
                for value in spec.values:
                    combo.addItem(value.replace("_", " "), value)
                    combo.setItemData(combo.count() - 1, MEANINGS.get(value, ""),
                                      Qt.ItemDataRole.ToolTipRole)
                combo.setCurrentIndex(max(combo.findData(table.get(normalise_name(word), "")),
                                          0))
                combo.setToolTip(MEANINGS.get(combo.currentData() or "", ""))
                combo.currentIndexChanged.connect(
                    lambda _i, f=spec.name, w=word: self._word_chosen(f, w))
                form.addRow(f"'{word}' ({rows:,} rows)", combo)
                self.word_combos[(spec.name, word)] = combo

    def _word_chosen(self, field_name: str, word: str) -> None:
        combo = self.word_combos[(field_name, word)]
        combo.setToolTip(MEANINGS.get(combo.currentData() or "", ""))
        # The user's choice replaces any built-in entry for the same word (issue 13: it won).
        self.mapping.set_word(field_name, word, combo.currentData() or None)
        self._check()

    def practice_code(self) -> str:
        data = self.practice.currentData()
        text = self.practice.currentText().strip()
        if data and text.startswith(data):
            return data
        return text.split(" ")[0].upper() if text else ""

    def result(self) -> ColumnMapping:
        mapping = self.mapping.copy(name=self.name.text().strip() or self.path.stem)
        if self.practice_code():
            mapping.options["practice"] = self.practice_code()
        return mapping

    def _check(self) -> list[str]:
        problems = validate(self.result(), self.header if self.mapping.has_header else None)
        if self.mapping.kind == "call_log" and not self.practice_code() \
                and "practice" not in self.mapping.columns:
            problems.append("Choose the practice this call log belongs to.")
        self.problems.setText("\n".join(problems))
        self.import_button.setEnabled(not problems)
        return problems


def _scrolling(box: QGroupBox) -> QScrollArea:
    area = QScrollArea(widgetResizable=True)
    area.setWidget(box)
    return area


def _fresh_form(box: QGroupBox) -> QFormLayout:
    """Empty the group box and give it a new form layout."""
    old = box.layout()
    if old is not None:
        QWidget().setLayout(old)  # re-parenting the old layout lets Qt delete it and its rows
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    return form


def mask_number(value: str) -> str:
    """Show only the first digits of a phone number: enough to recognise the column."""
    digits = sum(ch.isdigit() for ch in value)
    if digits < 6:
        return value
    kept, seen = [], 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            kept.append(ch if seen <= 4 else "•")
        else:
            kept.append(ch)
    return "".join(kept)
