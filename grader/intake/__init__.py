"""Taking submissions in: folders, single notebooks, zips, Canvas downloads and Gradescope
exports, each submission named and sorted by the lesson it answers."""
