// The add-marker form's "Now" button (#marker-now): fills the form's time (#marker-time) with the
// player's (#player) current time. (The markers on the charts are drawn by charts.js.)
(function () {
  const player = document.getElementById("player");
  const now = document.getElementById("marker-now");
  if (now && player) {
    now.addEventListener("click", () => {
      document.getElementById("marker-time").value = player.currentTime.toFixed(1);
    });
  }
})();
