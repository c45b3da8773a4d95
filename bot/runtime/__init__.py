"""Running the core for a long time: the work queue, the worker processes, the roundup scheduler, logs, metrics."""
