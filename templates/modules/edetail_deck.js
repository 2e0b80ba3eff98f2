
  (function () {
    var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
    var current = 0;
    function show(index) {
      slides[current].classList.remove("active");
      current = Math.max(0, Math.min(slides.length - 1, index));
      slides[current].classList.add("active");
    }
    document.querySelectorAll("nav button").forEach(function (button) {
      button.addEventListener("click", function () { show(current + Number(button.dataset.step)); });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { show(current + 1); }
      if (event.key === "ArrowLeft") { show(current - 1); }
    });
  })();
