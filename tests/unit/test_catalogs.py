from bot.core.i18n import Catalog


def test_both_catalogs_have_the_same_keys_and_placeholders():
    catalog = Catalog.load()
    assert catalog.keys("ko") == catalog.keys("en")
    import string

    for key in catalog.keys("ko"):
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(catalog._messages[lang][key]) if f} for lang in ("ko", "en")
        ]
        assert fields[0] == fields[1], key
