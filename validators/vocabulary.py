"""The catalogue vocabulary: header labels, tick marks, words and channels, and how to read them.

The data lives in ``catalogs/vocabulary.json``; this module holds the model and the pure functions that
map what a unit typed onto canonical values.
"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict
from zwgk.validators.normalise import clean_cell, fold, name_key


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    field: str
    label: str
    synonyms: tuple[str, ...]
    required: bool
    verification: str


class TickValue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    value: str
    synonyms: tuple[str, ...]


class Marks(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    yes: tuple[str, ...]
    no: tuple[str, ...]
    channel_selected: tuple[str, ...]
    channel_unselected: tuple[str, ...]
    note: str = ""


class Channels(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    standard: tuple[str, ...]
    seen: tuple[str, ...]
    synonyms: dict[str, str]
    source: str = ""


_TICK_GROUPS = ("audience", "mode", "levels")
_SPLIT = re.compile(r"[,，、;；\s]+")


class Vocabulary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    fields: tuple[FieldSpec, ...]
    ticks: dict[str, tuple[TickValue, ...]]
    marks: Marks
    channels: Channels
    instruction_sheet_names: tuple[str, ...]
    note_prefixes: tuple[str, ...]
    ditto: tuple[str, ...]
    government_host_suffixes: tuple[str, ...]
    government_hosts: tuple[str, ...]

    # -- lookups built once ------------------------------------------------------------------------
    @cached_property
    def _header_index(self) -> dict[str, str]:
        return {name_key(s): f.field for f in self.fields for s in (f.label, *f.synonyms)}

    @cached_property
    def _tick_index(self) -> dict[str, dict[str, str]]:
        return {g: {name_key(s): v.value for v in vals for s in (v.value, *v.synonyms)} for g, vals in self.ticks.items()}

    @cached_property
    def _channel_index(self) -> dict[str, str]:
        index = {name_key(c): c for c in (*self.channels.standard, *self.channels.seen)}
        index.update({name_key(k): v for k, v in self.channels.synonyms.items()})
        return index

    def label(self, field: str) -> str:
        for f in self.fields:
            if f.field == field:
                return f.label
        raise KeyError(field)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields if f.required)

    # -- headers -----------------------------------------------------------------------------------
    def header_field(self, label: str) -> str | None:
        """The field a header label names, or None.  Exact (normalised) match first, then a known prefix."""
        key = name_key(label)
        if not key:
            return None
        hit = self._header_index.get(key)
        if hit:
            return hit
        # "公开依据及文号", "公开内容（要素）及要求": a longer label that starts with a known one.
        best: tuple[int, str] | None = None
        for syn, fld in self._header_index.items():
            if len(syn) >= 3 and key.startswith(syn) and (best is None or len(syn) > best[0]):
                best = (len(syn), fld)
        return best[1] if best else None

    def tick_group_of(self, label: str) -> tuple[str, str] | None:
        """(group, canonical value) for a tick column sub-header such as 特定群体 or 乡、村级."""
        key = name_key(label)
        for group in _TICK_GROUPS:
            value = self._tick_index[group].get(key)
            if value:
                return group, value
        if key.endswith("市级"):
            return "levels", "市级"
        return None

    # -- cells -------------------------------------------------------------------------------------
    def is_instruction_sheet(self, name: str) -> bool:
        key = name_key(name)
        return any(key == name_key(n) or key.startswith(name_key(n)) for n in self.instruction_sheet_names)

    def is_ditto(self, text: str) -> bool:
        t = fold(text)
        return t in self.ditto or t.rstrip("。.") in self.ditto

    def is_note(self, text: str) -> bool:
        t = fold(text)
        return any(t.startswith(fold(p).strip()) for p in self.note_prefixes if fold(p).strip())

    def parse_mark(self, text: str) -> bool | None:
        """A tick cell: True (ticked), False (blank or a 'no' mark) or None (a mark zwgk cannot read)."""
        t = clean_cell(text)
        if not t:
            return False
        if t in self.marks.yes:
            return True
        if t in self.marks.no:
            return False
        compact = t.replace(" ", "")
        if compact and all(ch in "√✓✔" for ch in compact):
            return True
        return None

    def parse_words(self, group: str, text: str) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
        """Text-valued 公开对象/公开方式/公开层级: (canonical values, unknown words, note in brackets)."""
        t = fold(text)
        if not t:
            return (), (), None
        note = None
        m = re.search(r"[(（]([^()（）]*)[)）]", t)
        index = self._tick_index[group]
        whole = index.get(name_key(t))
        if whole:
            return (whole,), (), None
        if m:
            note = m.group(1).strip() or None
            t = (t[: m.start()] + t[m.end() :]).strip()
            whole = index.get(name_key(t))
            if whole:
                return (whole,), (), note
        values: list[str] = []
        unknown: list[str] = []
        for tok in _SPLIT.split(t):
            if not tok:
                continue
            hit = index.get(name_key(tok))
            if hit is None and group == "levels" and name_key(tok).endswith("市级"):
                hit = "市级"
            if hit:
                if hit not in values:
                    values.append(hit)
            else:
                unknown.append(tok)
        return tuple(values), tuple(unknown), note

    def parse_channels(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """公开渠道和载体: a ■/□ check-list or plain words.  Returns (selected channels, unknown words)."""
        t = fold(text)
        if not t:
            return (), ()
        selected_marks = set(self.marks.channel_selected)
        unselected_marks = set(self.marks.channel_unselected)
        # Font-substitution artefacts (R for ■) count only when the text is a check-list at all.
        has_checklist = any(ch in t for ch in ("■", "□", "☑", "☐", "◆", "口", "£"))
        if has_checklist:
            pattern = "([" + re.escape("".join(selected_marks | unselected_marks)) + "])"
            parts = re.split(pattern, t)
            chosen: list[str] = []
            unknown: list[str] = []
            mark = None
            for part in parts:
                if part in selected_marks or part in unselected_marks:
                    mark = part
                    continue
                words = part.strip()
                # "注:有关公开信息可推送…" after the list is a note, not a channel.
                words = re.split(r"注[:：]", words)[0].strip()
                if not words or mark is None:
                    continue
                if mark in selected_marks:
                    canon, unk = self._canon_channel(words)
                    value = canon or words
                    if value not in chosen:
                        chosen.append(value)
                    unknown.extend(unk)
            return tuple(chosen), tuple(unknown)
        chosen = []
        unknown = []
        canon, unk = self._canon_channel(t)
        if canon:
            return (canon,), ()
        for tok in re.split(r"[,，、;；\s]+", t):
            if not tok:
                continue
            canon, unk = self._canon_channel(tok)
            if canon:
                if canon not in chosen:
                    chosen.append(canon)
            else:
                # Still a channel the unit named; keep it, and let a rule say it is not a known word.
                chosen.append(tok)
                unknown.extend(unk)
        return tuple(chosen), tuple(unknown)

    def _canon_channel(self, words: str) -> tuple[str | None, tuple[str, ...]]:
        hit = self._channel_index.get(name_key(words))
        if hit:
            return hit, ()
        return None, (words,)
