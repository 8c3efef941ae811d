"""ECS 2014-05-26: security groups and rules."""
