"""`/aws` with a sentence instead of a name: the cards' own words, searched by BM25.

"detect objects in images" names no topic, but Rekognition's card says it "analyzes images" and "finds
object and scene labels". Each topic is a document of its name, full name and aliases (weighted up),
its summary and its points, in both languages. English is split into words (lowercased, a plural "s"
dropped, common words skipped); Korean into two-syllable pieces, since Korean attaches particles to
words ("파일 시스템을" still shares "파일", "시스", "스템" with "파일 시스템"). A topic is chosen only when
it clearly leads: the other topics are returned as suggestions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from bot.core.models import Topic

K1, B = 1.2, 0.75
NAME_WEIGHT, SUMMARY_WEIGHT, POINT_WEIGHT = 3, 2, 1
MIN_SCORE = 4.0  # below this the best topic shares too little with the sentence to be meant
LEAD = 1.35  # the best topic must score this many times the second to be chosen
MIN_TERMS = 2  # one word is a name, for the name matcher, not a sentence

_LATIN = re.compile(r"[a-z0-9]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "in",
    "into", "is", "it", "its", "many", "me", "my", "of", "on", "or", "our", "service", "services", "aws",
    "amazon", "that", "the", "their", "them", "this", "to", "use", "used", "using", "what", "when", "where",
    "which", "who", "with", "you", "your", "want", "need",
})  # fmt: skip


def terms(text: str) -> list[str]:
    """The words of `text` as the index counts them (see the module's docstring)."""
    lowered = text.casefold()
    found: list[str] = []
    for word in _LATIN.findall(lowered):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    for run in _HANGUL.findall(lowered):
        if len(run) == 1:
            found.append(run)
        found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


class TextSearch:
    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics = tuple(topics)
        self._index = {topic.id: n for n, topic in enumerate(self._topics)}
        self._docs: list[Counter[str]] = [self._document(t) for t in self._topics]
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._average = sum(self._lengths) / max(1, len(self._docs))
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        total = len(self._docs)
        self._idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}
        # term -> (topic index, BM25 weight of the term in that card): a query only sums what it shares
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for n, doc in enumerate(self._docs):
            norm = K1 * (1 - B + B * self._lengths[n] / self._average)
            for term, count in doc.items():
                weight = self._idf[term] * count * (K1 + 1) / (count + norm)
                self._postings.setdefault(term, []).append((n, weight))

    @staticmethod
    def _document(topic: Topic) -> Counter[str]:
        doc: Counter[str] = Counter()
        names = (topic.id.replace("-", " "), topic.name, topic.full_name, *topic.aliases)
        for weight, texts in (
            (NAME_WEIGHT, names),
            (SUMMARY_WEIGHT, (topic.summary.en, topic.summary.ko)),
            (POINT_WEIGHT, [text for point in topic.points for text in (point.en, point.ko)]),
        ):
            for text in texts:
                for term in terms(text):
                    doc[term] += weight
        return doc

    def _ranked(self, wanted: set[str]) -> list[tuple[float, Topic]]:
        """Topics that share words with the query's terms `wanted`, best first, with their scores."""
        if len(wanted) < MIN_TERMS:
            return []
        scores: dict[int, float] = {}
        for term in wanted:
            for n, weight in self._postings.get(term, ()):
                scores[n] = scores.get(n, 0.0) + weight
        order = sorted(scores.items(), key=lambda pair: (-pair[1], self._topics[pair[0]].id))
        return [(score, self._topics[n]) for n, score in order]

    def _shares(self, wanted: set[str], topic: Topic) -> int:
        """How many distinct words of the query the topic's card has: one shared word is chance."""
        doc = self._docs[self._index[topic.id]]
        return sum(1 for term in wanted if term in doc)

    def best(self, query: str) -> tuple[Topic | None, tuple[Topic, ...]]:
        """The topic the sentence clearly means (or None), and the runners-up."""
        wanted = set(terms(query))
        ranked = self._ranked(wanted)
        if not ranked:
            return None, ()
        top_score, top = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        clear = top_score >= MIN_SCORE and top_score >= LEAD * second and self._shares(wanted, top) >= MIN_TERMS
        chosen = top if clear else None
        others = tuple(topic for _, topic in ranked if topic is not chosen)
        return chosen, others
