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
_STRONG_MARKS = "■□☑☐◆●√✓✔"
_WEAK_MARKS = "口£○R"
_NOTE_IN_LIST = re.compile(r"注[:：]")
_OTHER_DETAIL = re.compile(r"^其他\s*[:：(（]")
_BRACKET_NOTE = re.compile(r"\s*[(（][^()（）]*[)）]\s*")


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
    @cached_property
    def _memo(self) -> dict[tuple[str, str], object]:
        # Results of the pure lookups below; headers and marks repeat, so each is worked out once.
        return {}

    def header_field(self, label: str) -> str | None:
        """The field a header label names, or None.  Exact (normalised) match first, then a known prefix."""
        memo = self._memo
        hit = memo.get(("h", label), False)
        if hit is False:
            hit = memo[("h", label)] = self._header_field(label)
        return hit  # type: ignore[return-value]

    def header_field_exact(self, label: str) -> str | None:
        """The field a header label names when it is one of the field's spellings, not just starts with one."""
        return self._header_index.get(name_key(label))

    def _header_field(self, label: str) -> str | None:
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
        memo = self._memo
        hit = memo.get(("t", label), False)
        if hit is False:
            hit = memo[("t", label)] = self._tick_group_of(label)
        return hit  # type: ignore[return-value]

    def _tick_group_of(self, label: str) -> tuple[str, str] | None:
        key = name_key(label)
        for group in _TICK_GROUPS:
            value = self._tick_index[group].get(key)
            if value:
                return group, value
        if key.endswith("市级"):
            return "levels", "市级"
        # "主动（打√）", "全社会(√)": the label with a filling hint in brackets.
        bare = _BRACKET_NOTE.sub("", fold(label))
        if bare != fold(label) and bare:
            return self._tick_group_of(bare)
        return None

    # -- cells -------------------------------------------------------------------------------------
    def is_instruction_sheet(self, name: str) -> bool:
        key = name_key(name)
        return bool(key) and any(key == name_key(n) or key.startswith(name_key(n)) for n in self.instruction_sheet_names)

    @cached_property
    def _ditto_set(self) -> frozenset[str]:
        return frozenset(self.ditto)

    @cached_property
    def ditto_starts(self) -> frozenset[str]:
        # First characters of every spelling, width-folded or not: most cells are rejected on this alone.
        return frozenset({d[0] for d in self.ditto if d} | {"＂", "“", "”", "〃"})

    def is_ditto(self, text: str) -> bool:
        """同上 and its spellings (〃, 同上。, full-width quotes)."""
        if text in self._ditto_set:
            return True
        if len(text) > 6 or not text or text[0] not in self.ditto_starts:
            return False
        t = fold(text)
        return t in self._ditto_set or t.rstrip("。.") in self._ditto_set

    @cached_property
    def _note_pattern(self) -> re.Pattern[str]:
        # "注：", "注1.", "注 …", "备注:" — the stem followed by a separator or a number, never "注意事项".
        stems = sorted({re.sub(r"[\s:：\d.]+$", "", fold(p)) for p in self.note_prefixes} - {""}, key=len, reverse=True)
        return re.compile("^(?:" + "|".join(map(re.escape, stems)) + r")(?:$|[\s:：\d.、(（①-⑩])")

    def is_note(self, text: str) -> bool:
        return self._note_pattern.match(fold(text[:12])) is not None

    def parse_mark(self, text: str) -> bool | None:
        """A tick cell: True (ticked), False (blank or a 'no' mark) or None (a mark zwgk cannot read)."""
        memo = self._memo
        hit = memo.get(("m", text), 0)
        if hit == 0:
            hit = memo[("m", text)] = self._parse_mark(text)
        return hit  # type: ignore[return-value]

    def _parse_mark(self, text: str) -> bool | None:
        t = clean_cell(text)
        if not t:
            return False
        if t in self.marks.yes:
            return True
        if t in self.marks.no:
            return False
        compact = fold(t).replace(" ", "")
        if compact in self.marks.yes:
            return True
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
        memo = self._memo
        hit = memo.get(("c", text))
        if hit is None:
            hit = memo[("c", text)] = self._parse_channels(text)
        return hit  # type: ignore[return-value]

    @cached_property
    def _channel_names(self) -> tuple[str, ...]:
        return tuple(sorted({fold(c) for c in (*self.channels.standard, *self.channels.seen, *self.channels.synonyms)},
                            key=len, reverse=True))

    def _split_checklist(self, t: str) -> list[tuple[str | None, str]]:
        """(mark, words) pairs of a check-list.  ■□☑☐◆● always mark; the font-substitution look-alikes
        口 £ ○ R only where they stand at the start, after a space, or right before a channel name —
        so the 口 of 办事窗口 stays part of the word."""
        strong = set(_STRONG_MARKS)
        weak = set(_WEAK_MARKS)
        names = self._channel_names
        pairs: list[tuple[str | None, str]] = []
        mark: str | None = None
        word: list[str] = []
        for i, ch in enumerate(t):
            is_mark = ch in strong
            if not is_mark and ch in weak:
                rest = t[i + 1 :]
                is_mark = (i == 0 or t[i - 1] == " ") and bool(rest) and rest[0] != " " or rest.startswith(names)
            if is_mark:
                if word or mark is not None:
                    pairs.append((mark, "".join(word)))
                mark, word = ch, []
            else:
                word.append(ch)
        if word or mark is not None:
            pairs.append((mark, "".join(word)))
        return pairs

    def _parse_channels(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        t = fold(text)
        if not t:
            return (), ()
        selected_marks = set(self.marks.channel_selected)
        chosen: list[str] = []
        unknown: list[str] = []
        is_checklist = any(ch in t for ch in _STRONG_MARKS) or t[0] in _WEAK_MARKS
        if is_checklist:
            for mark, part in self._split_checklist(t):
                # "注:有关公开信息可推送…" after the list is a note, not a channel.
                words = _NOTE_IN_LIST.split(part)[0].strip(" ,，、;；")
                if not words or (mark is not None and mark not in selected_marks):
                    continue
                canon, unk = self._canon_channel(words)
                joined = None if canon else self._channels_of(words)
                for value in joined or (canon or words,):
                    if value not in chosen:
                        chosen.append(value)
                if not joined:
                    unknown.extend(unk)
            return tuple(chosen), tuple(unknown)
        canon, unk = self._canon_channel(t)
        if canon:
            return (canon,), ()
        for tok in _SPLIT.split(t):
            if not tok:
                continue
            canon, unk = self._canon_channel(tok)
            joined = None if canon else self._channels_of(tok)
            # An unknown word is still a channel the unit named: keep it, and let a rule say it is not standard.
            for value in joined or (canon or tok,):
                if value not in chosen:
                    chosen.append(value)
            if not joined:
                unknown.extend(unk)
        return tuple(chosen), tuple(unknown)

    def _canon_channel(self, words: str) -> tuple[str | None, tuple[str, ...]]:
        hit = self._channel_index.get(name_key(words))
        if hit:
            return hit, ()
        if _OTHER_DETAIL.match(words):
            return words, ()  # ■其他：区教育局微信公众号 — the standard 其他 option, with what it is
        return None, (words,)

    def _channels_of(self, words: str) -> tuple[str, ...] | None:
        """Known channels run together: "政府网站 两微一端" or "政府网站↵两微一端" typed in one cell loses its
        separator when the cell is cleaned (a space or line break between Chinese characters is a wrap
        artefact), leaving "政府网站两微一端".  Its channels when the words are wholly two or more known
        channel names, else None."""
        key = name_key(words)
        index = self._channel_index
        if len(key) > 200 or not key:
            return None
        # best[i]: the fewest known names that make up key[:i] (a short table: channel cells are short).
        best: list[list[str] | None] = [[]] + [None] * len(key)
        for i in range(len(key)):
            here = best[i]
            if here is None:
                continue
            for name in self._channel_keys:
                j = i + len(name)
                if key.startswith(name, i) and (best[j] is None or len(best[j] or ()) > len(here) + 1):
                    best[j] = [*here, index[name]]
        parts = best[len(key)]
        if parts is None or len(parts) < 2:
            return None
        return tuple(dict.fromkeys(parts))

    @cached_property
    def _channel_keys(self) -> tuple[str, ...]:
        return tuple(k for k in self._channel_index if len(k) >= 2)
