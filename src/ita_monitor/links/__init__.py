"""Link health of what an agency published: the checks, `links.json`, notices, the ITAS
readiness sheet and repair."""
