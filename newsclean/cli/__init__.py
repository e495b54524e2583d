"""The command line (`newsclean`): everything a person sees lives in this package."""
