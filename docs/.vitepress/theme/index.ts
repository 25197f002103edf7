import DefaultTheme from 'vitepress/theme';
import { nextTick, onMounted, watch } from 'vue';
import { useRoute, type Theme } from 'vitepress';
import MeasurementsChart from './MeasurementsChart.vue';
import './custom.css';

/** Lesson pages' notebook cells become runnable in the page (docs/.vitepress/inpage/). */
export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    // Lesson 12's page draws docs/measurements/sample.json with <MeasurementsChart />.
    app.component('MeasurementsChart', MeasurementsChart);
  },
  setup() {
    if (typeof document === 'undefined') return;
    const route = useRoute();
    const mount = (): void => {
      void nextTick(async () => {
        if (!document.querySelector('.nb-cell')) {
          if (mounted) (await import('../inpage/cells.ts')).mountNotebook();
          return;
        }
        mounted = true;
        (await import('../inpage/cells.ts')).mountNotebook();
      });
    };
    let mounted = false;
    onMounted(mount);
    watch(() => route.path, mount);
  },
} satisfies Theme;
