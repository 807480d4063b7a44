"""The portal's routes, one router per resource of the Famille API."""
