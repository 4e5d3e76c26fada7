"""The back office keeps no tables of its own. This module exists so that Django sends the app
`post_migrate`, when the roles are brought in line with `roles.ROLES`."""
