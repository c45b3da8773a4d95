"""Small but realistic article pages for end-to-end tests (HTML with metadata and several paragraphs)."""

from __future__ import annotations

import html as html_lib

ARTICLES: dict[str, dict[str, object]] = {
    "rivers": {
        "title": "Rivers are running dry across southern Europe",
        "site": "Daily Planet",
        "author": "Lois Lane",
        "date": "2026-11-20",
        "paragraphs": [
            "Rivers across southern Europe fell to their lowest levels in decades this summer, as a drought that "
            "began in the spring stretched into its seventh month and reservoirs emptied across Spain and Italy.",
            "Hydrologists say the river Po, which waters a third of Italy's farmland, carried less than half its "
            "usual flow in August. Rice growers in the valley lost much of their crop to salt water pushing inland.",
            "\"We have never measured a drought this long in the Po basin,\" said Marta Rossi, a hydrologist at "
            "the University of Parma, who has studied the river for twenty years.",
            "In Spain, reservoirs held 31 percent of their capacity by September, and several towns in Catalonia "
            "received drinking water by truck. Farmers reported losses of olives, wheat and almonds.",
            "Climate scientists warn that droughts of this kind will become more frequent as the region warms. "
            "Southern Europe is heating faster than the global average, and rainfall is shifting northward.",
            "Governments have begun to respond with water restrictions, new desalination plants and subsidies "
            "for drip irrigation, but critics say the measures come too late for this year's harvest.",
            "Will the rivers recover this winter? Forecasters expect average rainfall, which would refill some "
            "reservoirs but leave groundwater depleted for years to come.",
        ],
    },
    "drought": {
        "title": "Drought forces farmers in Spain to abandon olive groves",
        "site": "Harvest News",
        "author": "Clark Kent",
        "date": "2026-11-18",
        "paragraphs": [
            "Olive farmers in Andalusia are abandoning groves their families have tended for generations, as a "
            "third year of drought and record heat leaves trees bare and reservoirs close to empty.",
            "Spain produces nearly half of the world's olive oil, and prices have more than doubled since the "
            "drought began. Supermarkets in several countries now lock bottles of oil behind glass.",
            "\"Without water there is no harvest, and without a harvest there is no future here,\" said Antonio "
            "Garcia, who farms forty hectares near Jaen and lost most of his crop this year.",
            "Regional authorities have restricted irrigation to a fraction of the usual allowance, and rivers "
            "that once fed the groves have dried to a trickle across much of southern Spain.",
            "Agronomists say drip irrigation and drought-tolerant varieties could help, but replanting takes "
            "years and many small farmers cannot afford the investment without help from the government.",
            "Climate scientists expect the Mediterranean to keep warming faster than the global average, which "
            "means longer droughts and hotter summers for the farms that remain.",
        ],
    },
    "chess": {
        "title": "A teenager wins the world rapid chess championship",
        "site": "Board Games Weekly",
        "author": "Jimmy Olsen",
        "date": "2026-11-22",
        "paragraphs": [
            "A sixteen-year-old from Chennai won the world rapid chess championship on Sunday, beating three "
            "former world champions on the way to the title in a tournament that lasted five days.",
            "The teenager, who learned the game from his grandmother at the age of six, finished with eleven "
            "points from thirteen games, a full point ahead of the rest of the field.",
            "\"I did not expect to win, I only wanted to play good chess and enjoy every game,\" he told reporters "
            "after the final round, still wearing the school blazer he played in all week.",
            "Rapid chess gives each player fifteen minutes for the whole game plus ten seconds for every move, "
            "which rewards quick calculation and nerves more than deep opening preparation.",
            "His coach said the victory came from years of solving puzzles every morning before school, and from "
            "playing thousands of online games against stronger opponents from around the world.",
            "The championship drew a record online audience of more than two million viewers, a sign of the "
            "game's growing popularity since the pandemic brought new players to chess.",
        ],
    },
}


def article_html(key: str) -> str:
    article = ARTICLES[key]
    title = html_lib.escape(str(article["title"]))
    paragraphs = "\n".join(f"<p>{html_lib.escape(p)}</p>" for p in article["paragraphs"])  # type: ignore[union-attr]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {article["site"]}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{article["site"]}">
<meta name="author" content="{article["author"]}">
<meta property="article:published_time" content="{article["date"]}T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav>
<article><h1>{title}</h1><p class="byline">By {article["author"]}</p>
{paragraphs}
</article>
<footer>Copyright 2026. All rights reserved. Sign up for our newsletter.</footer>
</body></html>"""


# A third water story, for tests that need a public article on the rivers/drought topic (privacy, related).
ARTICLES["reservoirs"] = {
    "title": "Portugal's reservoirs fall to record lows after a dry winter",
    "site": "Iberian Review",
    "author": "Diana Prince",
    "date": "2026-11-19",
    "paragraphs": [
        "Reservoirs in southern Portugal fell to record lows this autumn after the driest winter in a century, "
        "and the drought has left rivers in the Algarve and Alentejo regions barely flowing.",
        "The Alqueva reservoir, the largest in western Europe, held less than half its usual volume, and "
        "farmers who depend on it for irrigation were told to expect a fraction of their water allowance.",
        "\"Our rivers and reservoirs are the lowest we have ever recorded, and the rain is not coming back as "
        "it used to,\" said Rui Santos, who manages water supplies for a district in the Algarve.",
        "Hotels and golf courses face new restrictions on water use, while towns prepare emergency plans to "
        "bring drinking water by truck if the reservoirs keep falling through the winter.",
        "Climate scientists say southern Europe is warming faster than the global average, and that longer "
        "droughts will strain rivers, reservoirs and farms across Spain and Portugal for years to come.",
    ],
}
