"""The column-mapping step: tell Practice Desk what each column of a call log (or similar) holds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
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
    get_kind,
    kinds,
    preview,
    suggest_mapping,
    validate,
)
from practice_desk.importing.mapping_step import Proposal
from practice_desk.telephony.calllogs import presets

ORIGINS = {"preset": "a supplier preset", "saved mapping": "the mapping you saved for files "
           "like this", "guess": "a guess from the column names"}
PERSONAL_FIELDS = ("caller", "destination")  # masked in the preview: it may be screen-shared
NOT_IN_FILE = "(not in this file)"
NOT_MAPPED = "(not mapped)"
PREVIEW_ROWS = 8


class MappingDialog(QDialog):
    """Shows the file's first rows; one drop-down per field; supplier words to outcomes."""

    def __init__(self, conn, path: str | Path, proposal: Proposal, parent=None) -> None:
        super().__init__(parent)
        self.conn, self.path = conn, Path(path)
        self.mapping = proposal.mapping.copy()
        self.header = list(proposal.header)
        self.setWindowTitle(f"Map the columns of {self.path.name}")
        self.resize(1000, 720)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Tell Practice Desk what each column holds. The choices below "
                                f"come from {ORIGINS.get(proposal.origin, proposal.origin)}: "
                                "check them, choose the practice, then import. Fields marked * "
                                "are needed.", wordWrap=True))
        layout.addLayout(self._top_row())
        layout.addWidget(self._preview_table())
        body = QHBoxLayout()
        self.fields_box, self.words_box = QGroupBox("Columns"), QGroupBox("Supplier's words")
        body.addWidget(_scrolling(self.fields_box), 1)
        body.addWidget(_scrolling(self.words_box), 1)
        layout.addLayout(body, 1)
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
        for practice in queries.list_practices(self.conn):
            self.practice.addItem(f"{practice['ods_code']} {practice['name'] or ''}".strip(),
                                  practice["ods_code"])
        self.practice.setCurrentIndex(-1)
        self.practice.setEditText(self.mapping.options.get("practice") or "")
        self.practice.editTextChanged.connect(lambda _t: self._check())
        self.name = QLineEdit(self.mapping.name or self.path.stem)
        for label, widget in (("This file is a", self.kind), ("Start from", self.preset),
                              ("Practice (ODS code)", self.practice), ("Mapping name", self.name)):
            form.addRow(label, widget)
        return form

    def _preview_table(self) -> QTableWidget:
        self.preview = QTableWidget(accessibleName="First rows of the file")
        self.preview.setMaximumHeight(200)
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

    def _rebuild(self) -> None:
        sample = preview(self.path, rows=PREVIEW_ROWS, mapping=self.mapping)
        self.header = sample.header
        self.preview.setColumnCount(len(sample.header))
        self.preview.setHorizontalHeaderLabels(sample.header)
        self.preview.setRowCount(len(sample.rows))
        masked = {self.mapping.columns.get(f) for f in PERSONAL_FIELDS} - {None}
        for r, row in enumerate(sample.rows):
            for c, value in enumerate(row[:len(sample.header)]):
                shown = mask_number(value) if sample.header[c] in masked else value
                self.preview.setItem(r, c, QTableWidgetItem(shown))
        self._build_fields()
        self._build_words()
        self._check()

    def _build_fields(self) -> None:
        form = _fresh_form(self.fields_box)
        self.field_combos: dict[str, QComboBox] = {}
        for spec in get_kind(self.mapping.kind).fields:
            if spec.advanced and spec.name not in self.mapping.columns:
                continue  # supplier-specific columns appear only when a preset uses them
            combo = QComboBox(accessibleName=spec.label)
            combo.addItem(NOT_IN_FILE, "")
            for column in self.header:
                combo.addItem(column, column)
            current = self.mapping.columns.get(spec.name, "")
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.setToolTip(spec.help or spec.label)
            combo.currentIndexChanged.connect(lambda _i, f=spec.name: self._column_chosen(f))
            form.addRow(spec.label + (" *" if spec.required else ""), combo)
            self.field_combos[spec.name] = combo

    def _column_chosen(self, field_name: str) -> None:
        column = self.field_combos[field_name].currentData()
        if column:
            self.mapping.columns[field_name] = column
        else:
            self.mapping.columns.pop(field_name, None)
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
                combo.setCurrentIndex(max(combo.findData(table.get(word.strip().lower(), "")), 0))
                combo.currentIndexChanged.connect(
                    lambda _i, f=spec.name, w=word: self._word_chosen(f, w))
                form.addRow(f"'{word}' ({rows:,} rows)", combo)
                self.word_combos[(spec.name, word)] = combo

    def _word_chosen(self, field_name: str, word: str) -> None:
        value = self.word_combos[(field_name, word)].currentData()
        words = self.mapping.values.setdefault(field_name, {})
        words.pop(word, None)
        if value:
            words[word] = value
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
