"""What a cache outage looks like: pages read and write the cache inside `except CACHE_ERRORS`
and carry on without it; only the abuse limits refuse (booking/ratelimit.py)."""

import redis

# Django's RedisCache lets the client's errors through (connection refused, timeouts); OSError
# covers a socket that fails below redis-py.
CACHE_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)
