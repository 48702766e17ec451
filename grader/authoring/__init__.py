"""Writing lessons: the handout made from the solved notebook's solution markers (``markers``,
``handout``)."""
