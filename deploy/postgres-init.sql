-- Runs once, when the PostgreSQL volume is first created: one database for Prefect's server
-- (POSTGRES_DB in docker-compose.yml) and one for newswatch's store.
CREATE DATABASE newswatch OWNER newswatch;
