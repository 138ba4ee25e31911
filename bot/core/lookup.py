"""Find a topic however a member types it: id, name, full name or alias, in English or Korean.

Every key (id, name, full name, alias) is normalized once, when the index is built; a query is
normalized the same way and then compared with the precomputed keys only.

Normalization: NFKD + casefold, Latin accents dropped, Hangul syllables split into jamo (NFKD does
the U+AC00 arithmetic), final consonants written as the matching initial consonants and compound
vowels as their two parts (the way a Korean keyboard types them), everything that is not a letter
or digit removed ("보안 그룹" == "보안그룹", "Route-53" == "route53"), and a leading
"Amazon"/"AWS"/"아마존" dropped, also when mistyped as a first word ("Amazn EFS"). On jamo, one
wrong vowel is one small edit, not a whole syllable.

Scoring (0..100) keeps the best of four signals per topic:
- fuzz.ratio (normalized Indel similarity) of the whole query against a whole key. Chosen over
  WRatio on purpose: WRatio's partial and token-set parts score any key that shares a word or a
  substring with the query as 90-100 ("s3" vs "s3 glacier", "ec2" vs "ec2 auto scaling"), so
  distinct topics tie and typos cannot be told from other topics. ratio only forgives real edits:
  "dynamdb" -> "dynamodb" is 93, "ebs" -> "efs" is 67.
- the query is the start of a key ("kinesis" -> "kinesis data streams"): 70..100 by coverage;
- the query is the start of a later word of a key ("group" -> "security group"): 55..79, below
  MATCH_THRESHOLD, so that alone it only suggests;
- a key starts at a word of the query ("보안그룹이란", "s3 bucket"): 55..95 by coverage.
A topic is returned when an exact key names it (100), or when the query has ACCEPT_MIN_CHARS
normalized characters, its score reaches MATCH_THRESHOLD (or its key is one substitution away)
and it leads the best other topic by MATCH_MARGIN; otherwise the best topics are "did you mean"
suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from bot.core.models import Topic
from bot.core.text_search import TextSearch

MAX_QUERY_CHARS = 100  # raw characters of a query that are looked at
MAX_MATCH_CHARS = 160  # normalized (jamo) characters that are matched
# A fuzzy match needs 85, or to be one substitution (two Indel edits) away in a short word: one
# wrong jamo in a two-syllable Korean word ("람디" for "람다", 5 jamo each) scores only 80.
MATCH_THRESHOLD = 85.0
ONE_SUBSTITUTION = 2.0
ACCEPT_MIN_CHARS = 4  # shorter queries ("ef", "sag") are found only by an exact key
MATCH_MARGIN = 5.0  # "로드벨런서" is 92 for ELB's "로드밸런서" and 85 for NLB's "l4 로드밸런서"
SUGGEST_FLOOR = 55.0  # weaker candidates ("x" -> "dax" is 50) are not worth suggesting
MAX_SUGGESTIONS = 5
FIND_PREFIX_MIN = 3  # shorter queries ("ec") are too ambiguous to be a prefix signal in find()
FUZZY_LIMIT = 48  # keys taken from rapidfuzz: enough for MAX_SUGGESTIONS + 1 distinct topics
CONTAINED_STARTS = 8  # query words at which a contained key may start
SENTENCE_WORDS = 3  # from this many words on, a query that names no topic is searched in the cards' words

HEAD_BASE, HEAD_SPAN = 70.0, 30.0
WORD_BASE, WORD_SPAN = 55.0, 24.0
CONTAINED_BASE, CONTAINED_SPAN = 55.0, 40.0

# Kinds of key, best first: an exact hit on a name beats the same text as another topic's alias.
KIND_ID, KIND_NAME, KIND_FULL_NAME, KIND_ALIAS = 0, 1, 2, 3

_SEPARATORS = re.compile(r"[\W_]+")
_PARENTHESIZED = re.compile(r"\(([^()]*)\)")

_CHOSEONG = "ᄀᄁᄂᄃᄄᄅᄆᄇᄈᄉᄊᄋᄌᄍᄎᄏᄐᄑᄒ"
# Each final consonant (U+11A8..U+11C2, in order) as initial consonants, by index in _CHOSEONG.
_JONGSEONG_AS_CHOSEONG = (
    (0,), (1,), (0, 9), (2,), (2, 12), (2, 18), (3,), (5,), (5, 0), (5, 6), (5, 7), (5, 9), (5, 16),
    (5, 17), (5, 18), (6,), (7,), (7, 9), (9,), (10,), (11,), (12,), (14,), (15,), (16,), (17,), (18,),
)  # fmt: skip
# Compound vowels as the two vowels typed for them: ㅘ ㅙ ㅚ ㅝ ㅞ ㅟ ㅢ.
_COMPOUND_VOWELS = {
    "ᅪ": "ᅩᅡ",
    "ᅫ": "ᅩᅢ",
    "ᅬ": "ᅩᅵ",
    "ᅯ": "ᅮᅥ",
    "ᅰ": "ᅮᅦ",
    "ᅱ": "ᅮᅵ",
    "ᅴ": "ᅳᅵ",
}
_FOLD = str.maketrans(
    {
        **{chr(0x11A8 + i): "".join(_CHOSEONG[c] for c in cs) for i, cs in enumerate(_JONGSEONG_AS_CHOSEONG)},
        **_COMPOUND_VOWELS,
        **{chr(c): None for c in range(0x0300, 0x0370)},  # combining accents left by NFKD
    }
)
# Already normalized: "amazon web services", "amazon", "aws", "아마존" (아마조ᄂ).
_PREFIXES = ("amazonwebservices", "amazon", "aws", "\u110b\u1161\u1106\u1161\u110c\u1169\u1102")


@dataclass(frozen=True, slots=True)
class LookupResult:
    topic: Topic | None  # None when nothing matches well enough
    score: float  # 0..100, of the best candidate
    suggestions: tuple[Topic, ...]  # up to 5 distinct topics, best first; on a match, the runners-up


_NO_RESULT = LookupResult(None, 0.0, ())


# --- normalization ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """The form in which keys and queries are compared."""
    return _normalize(text)[0]


def _normalize(text: str) -> tuple[str, tuple[int, ...]]:
    """The compact normalized text and the offsets in it at which words start."""
    folded = unicodedata.normalize("NFKD", text[:MAX_QUERY_CHARS]).casefold().translate(_FOLD)
    words = _drop_mistyped_prefix([w for w in _SEPARATORS.split(folded) if w])
    compact = "".join(words)
    starts: list[int] = []
    offset = 0
    for word in words:
        starts.append(offset)
        offset += len(word)
    cut = _prefix_cut(compact)
    compact = compact[cut : cut + MAX_MATCH_CHARS]
    shifted = tuple(s - cut for s in starts if cut < s < cut + len(compact))
    return compact, (0, *shifted) if compact else ()


def _drop_mistyped_prefix(words: list[str]) -> list[str]:
    """Words without a first word that is one or two edits away from a prefix ("amazn", "aw")."""
    if len(words) < 2 or words[0] in _PREFIXES:  # an exact prefix is cut from the compact text
        return words
    for prefix in _PREFIXES:
        allowed = 1 if len(prefix) <= 3 else 2
        if Indel.distance(words[0], prefix, score_cutoff=allowed) <= allowed:
            return words[1:]
    return words


def _prefix_cut(compact: str) -> int:
    """How many leading characters are "Amazon"/"AWS"/"아마존" prefixes (never all of them)."""
    cut = 0
    found = True
    while found:
        found = False
        for prefix in _PREFIXES:
            if compact.startswith(prefix, cut) and len(compact) > cut + len(prefix):
                cut += len(prefix)
                found = True
                break
    return cut


def _variants(raw: str) -> list[str]:
    """A key and, if it has a parenthesized part, the key without it and the part alone."""
    inner = _PARENTHESIZED.findall(raw)
    if not inner:
        return [raw]
    return [raw, _PARENTHESIZED.sub(" ", raw), *inner]


def _label(name: str, alias: str | None) -> str:
    """A suggestion as shown: the name, and the alias it was found by; each adapter fits it to its limits."""
    return f"{name} ({alias})" if alias else name


# --- the index ----------------------------------------------------------------------------------


class LookupIndex:
    """Every way of naming the topics, normalized once; find() and complete() only read it."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics: tuple[Topic, ...] = tuple(topics)
        self._keys: list[str] = []  # normalized key texts; parallel lists below, by key index
        self._key_topic: list[int] = []
        self._key_kind: list[int] = []
        self._key_alias: list[str | None] = []  # the alias as written, for autocomplete labels
        self._key_starts: list[tuple[int, ...]] = []  # where the words of each key start
        self._exact: dict[str, list[int]] = {}
        seen: dict[tuple[str, int], int] = {}
        for t, topic in enumerate(self._topics):
            named = ((topic.id, KIND_ID), (topic.name, KIND_NAME), (topic.full_name, KIND_FULL_NAME))
            for raw, kind in (*named, *((a, KIND_ALIAS) for a in topic.aliases)):
                for variant in _variants(raw):
                    self._add_key(variant, t, kind, raw if kind == KIND_ALIAS else None, seen)
        self._key_lengths: tuple[int, ...] = tuple(sorted({len(k) for k in self._keys}))
        self._prefix_texts, self._prefix_keys, self._prefix_heads = self._prefix_table()
        self._text_search: TextSearch | None = None  # built at the first sentence (~0.1 s), not at start
        self._alphabetical: tuple[int, ...] = tuple(
            sorted(range(len(self._topics)), key=lambda t: (self._topics[t].name.casefold(), self._topics[t].id))
        )

    def _add_key(self, raw: str, topic: int, kind: int, alias: str | None, seen: dict[tuple[str, int], int]) -> None:
        text, starts = _normalize(raw)
        if not text:
            return
        known = seen.get((text, topic))
        if known is not None:  # the same text twice for one topic: keep the better kind
            if kind < self._key_kind[known]:
                self._key_kind[known], self._key_alias[known] = kind, alias
            return
        seen[(text, topic)] = len(self._keys)
        self._exact.setdefault(text, []).append(len(self._keys))
        self._keys.append(text)
        self._key_topic.append(topic)
        self._key_kind.append(kind)
        self._key_alias.append(alias)
        self._key_starts.append(starts)

    def _prefix_table(self) -> tuple[list[str], list[int], list[bool]]:
        """Sorted key texts and the texts from each later word on, for prefix search by bisection."""
        rows: list[tuple[str, int, bool]] = []
        for key, text in enumerate(self._keys):
            rows.append((text, key, True))
            rows.extend((text[s:], key, False) for s in self._key_starts[key] if s > 0)
        rows.sort()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    # --- queries ------------------------------------------------------------------------------

    def find(self, query: str) -> LookupResult:
        """The topic a member means by `query`, or None and "did you mean" suggestions."""
        text, starts = _normalize(query)
        if not text:
            return _NO_RESULT
        best = self._candidates(text, starts, FIND_PREFIX_MIN)
        ranked = self._rank(best)
        winner = self._exact_winner(text)
        if winner is None and ranked and len(text) >= ACCEPT_MIN_CHARS and self._clear_lead(text, ranked, best):
            winner = ranked[0]
        top = winner if winner is not None else ranked[0] if ranked else None
        others = [t for t in ranked if t != winner and best[t][0] >= SUGGEST_FLOOR]
        result = LookupResult(
            topic=self._topics[winner] if winner is not None else None,
            score=best[top][0] if top is not None else 0.0,
            suggestions=tuple(self._topics[t] for t in others[:MAX_SUGGESTIONS]),
        )
        return result if result.topic is not None else self._from_sentence(query, result)

    def _from_sentence(self, query: str, by_name: LookupResult) -> LookupResult:
        """No name matched: the cards' words (a sentence like "detect objects in images"). A query of
        one or two words is more likely a name typed loosely ("s3 bucket", "efs가 뭐야"): its name
        suggestions stay first, unless the cards' best topic is among them, and nothing is chosen."""
        if self._text_search is None:
            self._text_search = TextSearch(self._topics)
        query = query[:MAX_QUERY_CHARS]
        meant, runners_up = self._text_search.best(query)
        by_text = (*((meant,) if meant else ()), *runners_up)
        if len(query.split()) < SENTENCE_WORDS:
            meant = None
            first = by_text[:1] if by_text and by_text[0] in by_name.suggestions[:3] else by_name.suggestions[:1]
            ordered = (*first, *by_name.suggestions, *by_text)
        else:
            ordered = (*by_text, *by_name.suggestions)
        suggestions: list[Topic] = []
        for topic in ordered:
            if topic is not meant and topic not in suggestions and len(suggestions) < MAX_SUGGESTIONS:
                suggestions.append(topic)
        return LookupResult(topic=meant, score=by_name.score, suggestions=tuple(suggestions))

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete choices (label, topic id) for a partial query, best first."""
        if limit <= 0:
            return []
        normalized, starts = _normalize(text)
        if not normalized:
            return [(_label(self._topics[t].name, None), self._topics[t].id) for t in self._alphabetical[:limit]]
        best = self._candidates(normalized, starts, 1)
        choices: list[tuple[str, str]] = []
        for t in self._rank(best)[:limit]:
            score, key = best[t]
            if score < SUGGEST_FLOOR:
                break
            topic = self._topics[t]
            choices.append((_label(topic.name, self._key_alias[key]), topic.id))
        return choices

    # --- scoring ------------------------------------------------------------------------------

    def _candidates(self, text: str, starts: tuple[int, ...], prefix_min: int) -> dict[int, tuple[float, int]]:
        """Best (score, key index) per topic index, from every signal."""
        best: dict[int, tuple[float, int]] = {}
        for key in self._exact.get(text, ()):
            self._offer(best, key, 100.0)
        # processor=None: the keys are already normalized; score_cutoff lets rapidfuzz skip early.
        for _, score, key in process.extract(
            text, self._keys, scorer=fuzz.ratio, processor=None, limit=FUZZY_LIMIT, score_cutoff=SUGGEST_FLOOR
        ):
            self._offer(best, key, score)
        if len(text) >= prefix_min:
            self._prefix_signal(best, text)
        self._contained_signal(best, text, starts)
        return best

    def _offer(self, best: dict[int, tuple[float, int]], key: int, score: float) -> None:
        topic = self._key_topic[key]
        current = best.get(topic)
        if current is None or score > current[0]:
            best[topic] = (score, key)

    def _prefix_signal(self, best: dict[int, tuple[float, int]], text: str) -> None:
        """Keys, or later words of keys, that start with the query."""
        texts = self._prefix_texts
        i = bisect_left(texts, text)
        while i < len(texts) and texts[i].startswith(text):
            coverage = len(text) / len(texts[i])
            if self._prefix_heads[i]:
                score = HEAD_BASE + HEAD_SPAN * coverage if coverage < 1.0 else 100.0
            else:
                score = WORD_BASE + WORD_SPAN * coverage
            self._offer(best, self._prefix_keys[i], score)
            i += 1

    def _contained_signal(self, best: dict[int, tuple[float, int]], text: str, starts: tuple[int, ...]) -> None:
        """Keys found inside the query, starting at one of its words ("s3 bucket", "efs가 뭐야")."""
        for start in starts[:CONTAINED_STARTS]:
            for length in self._key_lengths:
                end = start + length
                if end > len(text):
                    break
                if start == 0 and end == len(text):
                    continue  # the whole query: an exact hit, offered at 100 already
                for key in self._exact.get(text[start:end], ()):
                    self._offer(best, key, CONTAINED_BASE + CONTAINED_SPAN * length / len(text))

    def _rank(self, best: dict[int, tuple[float, int]]) -> list[int]:
        return sorted(best, key=lambda t: (-best[t][0], self._key_kind[best[t][1]], self._topics[t].name))

    def _exact_winner(self, text: str) -> int | None:
        """The topic an exact key names; a tie between topics on the best kind of key is no winner."""
        keys = self._exact.get(text)
        if not keys:
            return None
        top = min(self._key_kind[k] for k in keys)
        topics = {self._key_topic[k] for k in keys if self._key_kind[k] == top}
        return topics.pop() if len(topics) == 1 else None

    def _clear_lead(self, text: str, ranked: list[int], best: dict[int, tuple[float, int]]) -> bool:
        """The best topic scores enough and is clearly ahead of the best other topic."""
        first, key = best[ranked[0]]
        second = best[ranked[1]][0] if len(ranked) > 1 else 0.0
        one_edit = 100.0 * (1.0 - ONE_SUBSTITUTION / (len(text) + len(self._keys[key])))
        return first >= min(MATCH_THRESHOLD, one_edit) and first - second >= MATCH_MARGIN
