import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import MeasurementsChart from './MeasurementsChart.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    // Lesson 12's page draws docs/measurements/sample.json with <MeasurementsChart />.
    app.component('MeasurementsChart', MeasurementsChart);
  },
} satisfies Theme;
