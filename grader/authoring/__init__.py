"""Writing lessons: the handout made from the solved notebook's solution markers (``markers``,
``handout``), the reference module (``reference``), ``grade assign`` (``assign``), checks of a
lesson's parts without kernels (``definition``, ``validate``), a new lesson's skeleton
(``skeleton``) and the students' release of one lesson (``release``)."""
