"""What the tests stand on: real local servers (article pages, the Slack stand-in, Redis), the bot as a process,
and the pages and PDFs they serve. The benchmarks use them too."""
