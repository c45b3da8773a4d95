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
            '"We have never measured a drought this long in the Po basin," said Marta Rossi, a hydrologist at '
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
            '"Without water there is no harvest, and without a harvest there is no future here," said Antonio '
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
            '"I did not expect to win, I only wanted to play good chess and enjoy every game," he told reporters '
            "after the final round, still wearing the school blazer he played in all week.",
            "Rapid chess gives each player fifteen minutes for the whole game plus ten seconds for every move, "
            "which rewards quick calculation and nerves more than deep opening preparation.",
            "His coach said the victory came from years of solving puzzles every morning before school, and from "
            "playing thousands of online games against stronger opponents from around the world.",
            "The championship drew a record online audience of more than two million viewers, a sign of the "
            "game's growing popularity since the pandemic brought new players to chess.",
        ],
    },
    # A young workspace's related reading (tests/test_related_young.py): three on AI language models, two on
    # Redis, one on bike lanes.
    "ai-chips": {
        "title": "Chip makers race to build hardware for training large language models",
        "site": "Tech Ledger",
        "author": "Ada Byron",
        "date": "2026-11-10",
        "paragraphs": [
            "Training a large language model now takes tens of thousands of GPUs running for months, and chip "
            "makers are racing to build accelerators that can train artificial intelligence models faster.",
            "The newest accelerators pair the GPU with high-bandwidth memory, because a neural network with "
            "hundreds of billions of parameters spends most of its training time moving weights around.",
            '"Every lab wants to train a bigger model than last year," said Priya Nair, an engineer who designs '
            'accelerators for machine learning. "The limit is power, not ideas."',
            "Researchers say the cost of training frontier language models has grown tenfold in two years, and "
            "only a handful of companies can afford the GPUs and the electricity a single training run needs.",
            "Some labs are turning to smaller models trained on better data, which can match larger neural "
            "networks on many benchmarks while needing a fraction of the compute for training and inference.",
        ],
    },
    "ai-tutors": {
        "title": "Schools try AI tutors built on language models",
        "site": "Learning Today",
        "author": "Grace Hopper",
        "date": "2026-11-12",
        "paragraphs": [
            "Hundreds of schools are testing AI tutors that answer students' questions in plain language, built "
            "on the same large language models that power chatbots.",
            "The tutor is a language model fine-tuned on textbooks and worked examples; teachers say the model "
            "explains algebra patiently but sometimes invents facts with complete confidence.",
            '"A language model does not know when it is wrong," said Tomas Lindqvist, who studies artificial '
            'intelligence in education. "Students have to learn to check what the AI tells them."',
            "Developers reduce these hallucinations by training the model to cite its sources and by retrieving "
            "passages from the textbook before the neural network writes an answer.",
            "Early results are mixed: students who used the AI tutor for homework did better on tests, but only "
            "when a teacher reviewed the model's explanations with them in class.",
        ],
    },
    "redis-cache": {
        "title": "Caching database queries with Redis",
        "site": "Backend Notes",
        "author": "Salvatore Rossi",
        "date": "2026-11-14",
        "paragraphs": [
            "Putting Redis in front of a slow database is the oldest trick for cutting latency: the application "
            "looks for a query's result in the Redis cache first and asks the database only on a miss.",
            "Each cached value gets a key built from the query and a TTL, so that Redis expires stale entries "
            "on its own; a short TTL keeps the cache fresh, a long one spares the database more reads.",
            '"Most of our read traffic never reaches Postgres any more," said Mei Chen, whose team keeps '
            "the cache for a ticketing site in a Redis cluster of six nodes.",
            "The hard part is invalidation: when a row changes, the application must delete the Redis keys that "
            "cached it, or readers see old data until the TTL runs out.",
            "Set a maxmemory limit and an eviction policy such as allkeys-lru, and Redis will drop the least "
            "recently used keys when the cache fills up instead of refusing writes.",
        ],
    },
    "bike-lanes": {
        "title": "City council approves protected bike lanes on Main Street",
        "site": "Metro Gazette",
        "author": "Jane Jacobs",
        "date": "2026-11-16",
        "paragraphs": [
            "The city council voted on Tuesday to build protected bike lanes along Main Street, separating "
            "cyclists from traffic with concrete curbs and planters for two miles through downtown.",
            "Cycling advocates have pushed for the lanes since a cyclist was killed at the Elm Street crossing "
            "last spring; the plan also adds bike signals at six intersections.",
            '"Parents want their kids to ride to school without dodging delivery vans," said council member '
            "Rosa Alvarez, who sponsored the plan.",
            "Shop owners worry about losing sixty parking spaces, though studies from other cities found that "
            "bike lanes brought more customers to street-front businesses, not fewer.",
            "Construction starts in the spring, and the council expects the lanes to open before the summer "
            "cycling season, when bike traffic downtown doubles.",
        ],
    },
    "ai-agents": {
        "title": "AI agents that write code are changing how software teams work",
        "site": "Tech Ledger",
        "author": "Alan Church",
        "date": "2026-11-20",
        "paragraphs": [
            "Coding assistants built on large language models can now take a task, write the code, run the "
            "tests and open a pull request, and software teams are rethinking their work around these AI agents.",
            "The agents rely on a language model trained on public code, plus tools that let the model read a "
            "repository and run commands before it proposes a change.",
            '"The model is a fast junior engineer who never gets tired," said Farah Haddad, who leads a '
            'platform team. "It still needs review: it will confidently make up an API that does not exist."',
            "Researchers measuring these AI systems found that training the model on its own successful fixes "
            "improved it more than adding parameters to the neural network.",
            "Companies pay for the GPUs that run the models by the token, and teams report that inference costs "
            "now rival what they spend on their cloud servers.",
        ],
    },
    "redis-streams": {
        "title": "Building a job queue on Redis Streams",
        "site": "Backend Notes",
        "author": "Kai Tanaka",
        "date": "2026-11-22",
        "paragraphs": [
            "Redis Streams give you an append-only log inside Redis, and with consumer groups they make a "
            "dependable job queue without running a separate message broker.",
            "Producers add jobs with XADD; each consumer in a group reads new entries with XREADGROUP and "
            "acknowledges them with XACK once the job is done, so Redis knows which messages are still pending.",
            '"We replaced RabbitMQ with a Redis stream and two hundred lines of code," said Noor Ahmed, whose '
            'team processes payments through it. "Redis was already there as our cache."',
            "When a worker dies, its pending entries stay in the stream; another consumer claims them with "
            "XAUTOCLAIM after a timeout, so no job is lost.",
            "Cap the stream with MAXLEN so Redis trims old entries and its memory stays bounded, and watch the "
            "pending list: a growing one means consumers cannot keep up.",
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
        '"Our rivers and reservoirs are the lowest we have ever recorded, and the rain is not coming back as '
        'it used to," said Rui Santos, who manages water supplies for a district in the Algarve.',
        "Hotels and golf courses face new restrictions on water use, while towns prepare emergency plans to "
        "bring drinking water by truck if the reservoirs keep falling through the winter.",
        "Climate scientists say southern Europe is warming faster than the global average, and that longer "
        "droughts will strain rivers, reservoirs and farms across Spain and Portugal for years to come.",
    ],
}
