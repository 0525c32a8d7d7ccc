"""The rules every layer shares, each decided in exactly one place.

Below analytics, models, stages and playbook; imports nothing above it.

- :mod:`horetsu.core.dates`: date parsing, "today" in Asia/Tokyo, day numbering;
- :mod:`horetsu.core.settings`: the ``[analysis]`` settings the rules read;
- :mod:`horetsu.core.purchases`: what counts as a purchase, the default as-of day;
- :mod:`horetsu.core.subscriptions`: whether a subscription is running on a day;
- :mod:`horetsu.core.labels`: stage, journey and temperature names in both languages.
"""
