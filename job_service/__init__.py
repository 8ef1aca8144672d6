"""JobService: jobs in Redis, a Redis Stream queue, and the workers that finish every job."""
