"""Request and response models; the seed's, kept, plus what the real routes return."""
